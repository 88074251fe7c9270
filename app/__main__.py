"""Command line: `python -m app serve | prompt | config`."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import mimetypes
import sys
from pathlib import Path

import msgspec

from app.logs import configure_logging, register_secrets
from app.settings import SECRET_FIELDS, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app", description="promptgen service and tools")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP service")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)

    prompt = sub.add_parser("prompt", help="generate prompts from the shell")
    prompt.add_argument("spark", nargs="?", default=None, help="the spark (optional in contextual mode)")
    prompt.add_argument("--mode", default="structured")
    prompt.add_argument("-n", "--num-results", type=int, default=1)
    prompt.add_argument("--seed", type=int, default=None)
    prompt.add_argument("--temperature", type=float, default=None)
    prompt.add_argument("--top-p", type=float, default=None)
    prompt.add_argument("--ip-clear", action="store_true", help="set ensureIPCleared")
    prompt.add_argument("--image", action="append", default=[], help="an image file (repeatable)")
    prompt.add_argument("--model-id", default=None, help="style model id, or target editor")
    prompt.add_argument("--json", action="store_true", help="print the whole API response body")

    sub.add_parser("config", help="print the effective configuration, secrets masked")

    args = parser.parse_args(argv)
    settings = load_settings()
    # JSON lines by default (PROMPTGEN_LOG_FORMAT=text for the classic format); secrets redacted.
    register_secrets(str(getattr(settings, name)) for name in SECRET_FIELDS if getattr(settings, name, ""))
    configure_logging(settings.log_level, settings.log_format if args.command == "serve" else "text")
    if args.command == "config":
        print(json.dumps(settings.masked(), indent=2, sort_keys=True))
        return 0
    if args.command == "serve":
        import uvicorn

        from app.db import check_writable
        from app.errors import InsufficientStorage
        from app.server import create_app

        try:  # a read-only data directory: one clear line, not a traceback from the lifespan
            check_writable(settings.data_path)
        except InsufficientStorage as exc:
            print(f"promptgen: cannot start: {exc.detail}", file=sys.stderr)
            return 1
        uvicorn.run(
            create_app(settings),
            host=args.host or settings.host,
            port=args.port or settings.port,
            log_level=settings.log_level.lower(),
            log_config=None,  # keep configure_logging's handler (JSON, redacted)
            access_log=False,  # app.logs writes the access log, with request ids
            # X-Forwarded-* are believed from PROMPTGEN_TRUSTED_PROXIES only (app/proxy.py), not
            # from whatever uvicorn trusts by default (127.0.0.1, or FORWARDED_ALLOW_IPS)
            proxy_headers=False,
            # On SIGTERM: stop accepting, let in-flight requests finish for up to the grace period.
            timeout_graceful_shutdown=max(1, round(settings.shutdown_grace_s)),
        )
        return 0
    return asyncio.run(_prompt(args, settings))


def _data_url(path: str) -> str:
    media = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"data:{media};base64," + base64.b64encode(Path(path).read_bytes()).decode()


async def _prompt(args: argparse.Namespace, settings) -> int:  # type: ignore[no-untyped-def]
    from litestar.testing import AsyncTestClient

    from app.server import create_app

    body: dict[str, object] = {"mode": args.mode, "numResults": args.num_results}
    if args.spark is not None:
        body["prompt"] = args.spark
    for key, value in (
        ("seed", args.seed),
        ("temperature", args.temperature),
        ("topP", args.top_p),
        ("modelId", args.model_id),
    ):
        if value is not None:
            body[key] = value
    if args.ip_clear:
        body["ensureIPCleared"] = True
    if args.image:
        images = [_data_url(p) for p in args.image]
        if args.mode in ("image-editing-prompt", "image-editing"):
            body["image"] = images[0]
        else:
            body["images"] = images
    # The CLI goes through the same HTTP stack in-process, so it validates exactly like the API;
    # whoever runs it has the configuration already, so API keys and rate limits do not apply.
    local = msgspec.structs.replace(settings, api_keys="", rate_limit_per_minute=0)
    async with AsyncTestClient(app=create_app(local), timeout=settings.request_timeout_s) as client:
        response = await client.post(
            "/v1/generate/prompt",
            content=msgspec.json.encode(body),
            headers={"content-type": "application/json"},
        )
    data = response.json()
    if response.status_code != 200:
        print(f"error {response.status_code}: {data.get('detail')}", file=sys.stderr)
        if args.json:
            print(json.dumps(data, indent=2))
        return 1
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        for line in data["prompts"]:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
