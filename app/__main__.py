"""Command line: `python -m app serve | prompt | images | config | migrate | worker` (`--help` for each; all
but `serve` live in `app/cli.py`)."""

from __future__ import annotations

import sys

from app.cli import build_parser, run_command


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "serve":
        return run_command(args, parser)
    return serve(args.host, args.port)


def serve(host: str | None, port: int | None) -> int:
    import uvicorn

    from app.db import check_writable
    from app.errors import InsufficientStorage
    from app.logs import configure_logging, register_secrets
    from app.preflight import unreachable
    from app.server import create_app
    from app.settings import SECRET_FIELDS, load_settings

    settings = load_settings()
    # PROMPTGEN_LOG_FORMAT: text lines on a terminal, JSON lines otherwise (`auto`); secrets redacted.
    register_secrets(str(getattr(settings, name)) for name in SECRET_FIELDS if getattr(settings, name, ""))
    configure_logging(settings.log_level, settings.log_format)
    try:  # a read-only data directory: one clear line, not a traceback from the lifespan
        check_writable(settings.data_path)
    except InsufficientStorage as exc:
        print(f"promptgen: cannot start: {exc.detail}", file=sys.stderr)
        return 1
    if down := unreachable(settings):  # an engine that does not answer: one line each, no traceback
        for line in down:
            print(f"promptgen: cannot start: {line}", file=sys.stderr)
        return 1
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # keep configure_logging's handler (JSON or text, redacted)
        access_log=False,  # app.logs writes the access log, with request ids
        # X-Forwarded-* are believed from PROMPTGEN_TRUSTED_PROXIES only (app/proxy.py), not
        # from whatever uvicorn trusts by default (127.0.0.1, or FORWARDED_ALLOW_IPS)
        proxy_headers=False,
        # On SIGTERM: stop accepting, let in-flight requests finish for up to the grace period.
        timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
