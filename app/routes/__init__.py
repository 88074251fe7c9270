"""HTTP route handlers: thin, each decodes strictly and calls a service on `app.state`."""
