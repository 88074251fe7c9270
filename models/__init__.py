"""Backends behind small interfaces, each kind with a registry looked up by name."""
