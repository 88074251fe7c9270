"""promptgen: prompt generation and refinement for text-to-image work."""

__version__ = "0.1.0"
