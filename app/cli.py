"""The command line's `prompt`, `images` and `config` (`python -m app`; `serve` is in
`app/__main__.py`).

- `prompt` and `images` talk to a running service: `--url`, by default the configured address
  (`http://127.0.0.1:$PROMPTGEN_PORT`). When nothing answers there they run the same HTTP stack
  in-process instead (loading the model: slow), with a one-line note on stderr; `--local`
  skips the service, and an explicit `--url` that does not answer is an error.
- stdout holds only the results: the prompts one per line, or the saved image files one per
  line (`--json`: the whole response body). Notes, errors and logs go to stderr; logs only
  with `-v` (`-vv`: debug).
- The choices offered (modes and their aliases, target editors) are the registered ones
  (`modes.registry`, `modes.editors.EDITORS`): `--help` lists them, and a bad value is answered
  with the valid ones.
- `config` prints every `PROMPTGEN_*` variable with its effective value (a default computed
  elsewhere, such as the image backends' timeout and retries, shown as computed), secrets masked.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import logging
import mimetypes
import re
import sys
import time
from pathlib import Path
from typing import Any

import msgspec

import modes
from app.settings import PREFIX, SECRET_FIELDS, Settings, load_settings
from modes import targets
from modes.editors import EDITORS

log = logging.getLogger(__name__)

PASSTHROUGH = "none"  # the images command's mode that sends the spark unchanged
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}
# Request fields as the command line spells them (an error names the option to change).
OPTIONS = {
    "prompt": "SPARK",
    "mode": "--mode",
    "numResults": "-n/--num-results",
    "seed": "--seed",
    "temperature": "--temperature",
    "topP": "--top-p",
    "modelId": "--model-id",
    "images": "--image",
    "image": "--image",
    "model": "--model",
    "n": "-c/--count",
    "size": "--size",
    "aspect_ratio": "--aspect-ratio",
    "aspectRatio": "--aspect-ratio",
    "format": "--format",
    "targetModel": "--target",
    "keepTerms": "--keep",
}

EXAMPLES = """\
examples:
  python -m app serve --port 8001                       # the service (what `make run` starts)
  python -m app prompt "a red fox" -n 3 --seed 42       # three prompts, one per line
  python -m app prompt "a red fox" --mode inventive --json
  python -m app prompt "a red fox" --target sdxl --negative --keep zxc-style
  python -m app prompt --mode contextual --image photo.jpg -n 2
  python -m app prompt "add a hat" --mode image-editing --image photo.jpg --model-id flux-kontext
  python -m app images "a red fox" -n 2 -o pictures/    # prompts, then images saved as files
  python -m app config                                  # every PROMPTGEN_* variable, effective values

`prompt` and `images` use the service at --url (default: the configured address) when one
answers, else run in-process (loading the model); --local always runs in-process.
"""

PROMPT_EXAMPLES = """\
examples:
  python -m app prompt "a lighthouse keeper's cat" -n 3 --seed 42
  python -m app prompt "a red fox" --mode completion --temperature 1.1 --top-p 0.95
  python -m app prompt --mode contextual --image photo.jpg --image sketch.png
  python -m app prompt "remove the car" --mode image-editing --image street.jpg --model-id gpt-image-1
  python -m app prompt "a red fox" --url http://10.0.0.5:8000 --api-key KEY --json

stdout holds only the prompts, one per line; errors and notes go to stderr.
"""

IMAGES_EXAMPLES = """\
examples:
  python -m app images "a red fox in the snow"                  # one prompt, its image(s) in .
  python -m app images "a red fox" -n 2 -c 4 -o pictures/ --seed 7
  python -m app images "a red fox" --mode none --model openai:gpt-image-1 --size 1024x1024

Calls POST /v1/generate/image (spark -> prompts -> images); the service needs an image
backend (PROMPTGEN_IMAGE_BACKEND, or --model). stdout holds the saved files, one per line.
"""

CONFIG_EXAMPLES = """\
examples:
  python -m app config                      # PROMPTGEN_NAME=value lines (a .env file's format)
  python -m app config --json
  PROMPTGEN_PORT=8001 python -m app config | grep PORT
"""


def _mode_lines() -> str:
    lines = []
    for cls in modes.registry.handlers():
        names = ", ".join((cls.name, *(f"{a} (alias)" for a in cls.aliases)))
        needs = {"context": " (needs --image)", "edit": " (needs --image; --model-id: the editor)"}
        lines.append(f"  {names}: {cls.summary or cls.title}{needs.get(cls.images, '')}")
    return "\n".join(lines)


def _range(kind: type, low: float, high: float, what: str) -> Any:
    """An argparse type that names the valid range on a bad value."""

    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {what}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{text} is not between {_env_value(low)} and {_env_value(high)}"
            )
        return value

    return convert


def _service_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that call the service."""
    group = parser.add_argument_group("service")
    group.add_argument(
        "--url",
        default=None,
        help="the service to call (default: the configured address, http://127.0.0.1:$PROMPTGEN_PORT; "
        "when nothing answers there, runs in-process)",
    )
    group.add_argument(
        "--local", action="store_true", help="run in-process (loads the model) instead of calling a service"
    )
    group.add_argument(
        "--api-key",
        default=None,
        help="key for a service with PROMPTGEN_API_KEYS (default: the first plain key configured here, "
        "sent to the configured address only)",
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds to wait for the answer (default: the service's deadline)",
    )
    out = parser.add_argument_group("output")
    out.add_argument("--json", action="store_true", help="print the whole API response body instead")
    out.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log to stderr (-v: info, -vv: debug); quiet by default",
    )


def _generation_options(
    parser: argparse.ArgumentParser, mode_names: tuple[str, ...], default_mode: str
) -> None:
    group = parser.add_argument_group("prompt generation")
    group.add_argument(
        "-m",
        "--mode",
        default=default_mode,
        choices=mode_names,
        metavar="MODE",
        help=f"one of: {', '.join(mode_names)} (default: {default_mode})",
    )
    group.add_argument(
        "-n",
        "--num-results",
        type=_range(int, 1, 5, "whole number"),
        default=None,
        metavar="N",
        help="how many prompts, 1-5 (default: 1); they are always distinct",
    )
    group.add_argument(
        "--seed",
        type=_range(int, 0, 2**32 - 1, "whole number"),
        default=None,
        help="0 to 2^32-1: the same seed, inputs and backend give the same prompts (default: drawn, "
        "reported in the response's usage.seed)",
    )
    group.add_argument(
        "--temperature",
        type=_range(float, 0, 2, "number"),
        default=None,
        metavar="T",
        help="sampling temperature, 0-2 (default: PROMPTGEN_DEFAULT_TEMPERATURE, 0.7)",
    )
    group.add_argument(
        "--top-p",
        type=_range(float, 0, 1, "number"),
        default=None,
        metavar="P",
        help="nucleus sampling, 0-1 (default: PROMPTGEN_DEFAULT_TOP_P, 0.9)",
    )
    group.add_argument(
        "--ip-clear",
        action="store_true",
        help="remove protected IP (brands, characters, names): ensureIPCleared",
    )
    group.add_argument(
        "--target",
        choices=targets.NAMES,
        default=None,
        metavar="FAMILY",
        help=f"write for an image-model family: {', '.join(targets.NAMES)} (targetModel; default: generic, "
        "or the image backend's family for `images`)",
    )
    group.add_argument(
        "--weights", action="store_true", help="the family's weights syntax, (word:1.2) or word::1.2"
    )
    group.add_argument(
        "--negative", action="store_true", help="a negative prompt for each result (negativePrompt)"
    )
    group.add_argument(
        "--keep",
        action="append",
        default=None,
        metavar="TERM",
        help="a word or phrase every result contains exactly as given (keepTerms; repeat for more)",
    )


def build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="promptgen: image prompts from a short spark, as a service and from the shell.",
        epilog=EXAMPLES,
        formatter_class=raw,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser(
        "serve", help="run the HTTP service", description="Run the HTTP service.", formatter_class=raw
    )
    serve.add_argument(
        "--host", default=None, help="address to listen on (default: PROMPTGEN_HOST, 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=None, help="port (default: PROMPTGEN_PORT, 8000)")

    wire = modes.registry.wire_names()
    prompt = sub.add_parser(
        "prompt",
        help="generate prompts from a spark",
        description="Generate image prompts from a spark (POST /v1/generate/prompt).\n\nmodes:\n"
        + _mode_lines()
        + "\n\ntarget editors (--model-id in image-editing mode):\n  "
        + ", ".join(EDITORS),
        epilog=PROMPT_EXAMPLES,
        formatter_class=raw,
    )
    prompt.add_argument(
        "spark",
        nargs="?",
        default=None,
        help="a few words about the picture (optional in contextual "
        "and image-editing modes, where the images carry the request)",
    )
    _generation_options(prompt, wire, "structured")
    group = prompt.add_argument_group("images and models")
    group.add_argument(
        "--image",
        dest="images",
        action="append",
        default=[],
        metavar="FILE",
        help="an image file (PNG, JPEG, WebP; repeatable): the photo to describe (contextual), to edit "
        "(image-editing: the first), or a conditioning image (structured)",
    )
    group.add_argument(
        "--images",
        dest="images",
        action="extend",
        nargs="+",
        metavar="FILE",
        help="several image files at once",
    )
    group.add_argument(
        "--model-id",
        "--editor",
        dest="model_id",
        default=None,
        help="image-editing: the target editor, one of " + ", ".join(EDITORS) + "; other modes: a style "
        "model's id (POST /v1/models)",
    )
    group.add_argument(
        "--aspect-ratio",
        default=None,
        metavar="W:H",
        help="e.g. 16:9: written as a parameter for a family that takes one (--target midjourney: --ar 16:9)",
    )
    _service_options(prompt)

    images = sub.add_parser(
        "images",
        help="generate prompts, then images, and save them as files",
        description="Generate prompts from a spark, then images from them (POST /v1/generate/image),\n"
        "and save the images as files.\n\nmodes: "
        + ", ".join((*wire, PASSTHROUGH))
        + f"\n  ({PASSTHROUGH}: the spark goes to the image model unchanged)",
        epilog=IMAGES_EXAMPLES,
        formatter_class=raw,
    )
    images.add_argument("spark", help="a few words about the picture")
    _generation_options(images, (*wire, PASSTHROUGH), "structured")
    group = images.add_argument_group("images")
    group.add_argument(
        "-o", "--out", default=".", metavar="DIR", help="folder to save the images in (created; default: .)"
    )
    group.add_argument(
        "-c",
        "--count",
        type=_range(int, 1, 10, "whole number"),
        default=None,
        help="images, 1-10 (default: one per prompt); image i is made from prompt i mod N",
    )
    group.add_argument(
        "--model",
        default=None,
        help="provider:model (default: PROMPTGEN_IMAGE_BACKEND), e.g. openai:gpt-image-1",
    )
    group.add_argument("--size", default=None, help="WIDTHxHEIGHT, e.g. 1024x1024")
    group.add_argument("--aspect-ratio", default=None, metavar="W:H", help="e.g. 16:9 (instead of --size)")
    group.add_argument("--format", choices=("png", "jpeg", "webp"), default=None, help="image format")
    _service_options(images)

    config = sub.add_parser(
        "config",
        help="print every PROMPTGEN_* variable and its effective value",
        description="Print the deployment profile (embedded or distributed: which engines keep what, as "
        "# comment lines) and every PROMPTGEN_* variable with its effective value (environment, .env, "
        "or the default; computed defaults shown as computed), secrets masked.",
        epilog=CONFIG_EXAMPLES,
        formatter_class=raw,
    )
    config.add_argument("--json", action="store_true", help="a JSON object instead of NAME=value lines")

    sub.add_parser(
        "worker",
        help="run queued jobs (the distributed profile, PROMPTGEN_QUEUE_URL)",
        description="Run the jobs waiting on the queue PROMPTGEN_QUEUE_URL names (SAQ on Redis), with the "
        "same configuration as `serve` but no HTTP: for replicas started with PROMPTGEN_WORKERS=external, "
        "or more workers beside them. SIGTERM or Ctrl+C stops it; a job still running then is recorded "
        "as interrupted.",
        formatter_class=raw,
    )

    sub.add_parser(
        "migrate",
        help="bring the database to the newest schema",
        description="Apply the database migrations (Alembic) to PROMPTGEN_DATABASE_URL, or to the data "
        "directory's SQLite file (which `serve` also migrates at every start). A data directory made "
        "before migrations existed is adopted as it is, losing nothing.",
        formatter_class=raw,
    )
    return parser


# ----------------------------------------------------------------------------- config


def effective_config(settings: Settings) -> dict[str, Any]:
    """Every variable (`PROMPTGEN_*` name) with its effective value, secrets masked. Settings
    whose empty value means "the image backends' default" show that default."""
    from models.image.config import ImageBackendConfig, declared_settings

    values = settings.masked()
    image = ImageBackendConfig.from_settings(settings)
    for name in ImageBackendConfig.COMMON:
        key = f"image_{name}"
        if values.get(key, "") is None:
            values[key] = getattr(image, name)
    for declared in declared_settings():
        effective = getattr(image, declared.name, None)
        for source in declared.read_from:
            if values.get(source, 0) in (None, "") and effective not in (None, ""):
                values[source] = "***" if declared.secret or source in SECRET_FIELDS else effective
    return {PREFIX + name.upper(): value for name, value in values.items()}


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return f'"{text}"' if re.search(r"\s|#", text) else text


def _config(args: argparse.Namespace, settings: Settings) -> int:
    from app.profile import describe, profile_lines

    values = effective_config(settings)
    profile = describe(settings)
    if args.json:
        print(json.dumps({"profile": msgspec.to_builtins(profile), **values}, indent=2))
    else:
        print("\n".join(profile_lines(profile)))
        for name, value in values.items():
            print(f"{name}={_env_value(value)}")
    return 0


# ----------------------------------------------------------------------------- calls


class Answer(msgspec.Struct):
    status: int
    body: Any  # the parsed JSON body, or the text of a body that is not JSON
    where: str  # the service's URL, or "in-process"


def default_url(settings: Settings) -> str:
    host = settings.host
    if host in ("", "0.0.0.0", "::"):  # listening everywhere: loopback answers too
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def _key(args: argparse.Namespace, settings: Settings, explicit_url: bool) -> str | None:
    if args.api_key:
        return str(args.api_key)
    if explicit_url:  # never send this machine's configured key anywhere but its own address
        return None
    for entry in (e.strip() for e in settings.api_keys.split(",")):
        if entry and not entry.lower().startswith("sha256:"):
            return entry
    return None


def _parse(status: int, content: bytes, where: str) -> Answer:
    try:
        body: Any = json.loads(content)
    except ValueError:
        body = content.decode("utf-8", "replace")
    return Answer(status, body, where)


def call(
    args: argparse.Namespace, settings: Settings, path: str, body: dict[str, Any], timeout: float, prog: str
) -> Answer:
    """POST `body` to the service, or in-process when none answers (see the module docstring)."""
    import httpx

    content = msgspec.json.encode(body)
    headers = {"content-type": "application/json"}
    if not args.local:
        url = (args.url or default_url(settings)).rstrip("/")
        key = _key(args, settings, explicit_url=args.url is not None)
        if key:
            headers["authorization"] = f"Bearer {key}"
        started = time.perf_counter()
        try:
            # The configured address is this machine's: no proxy from the environment in between.
            with httpx.Client(
                timeout=httpx.Timeout(timeout, connect=3.0), trust_env=args.url is not None
            ) as client:
                response = client.post(url + path, content=content, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if args.url is not None:
                raise SystemExit(
                    f"{prog}: error: no service answers at {url} ({exc}); start one (`make run`) or use --local"
                ) from None
            print(
                f"note: no service at {url}; running in-process, which loads the model (start one with "
                "`make run` for fast answers, or pass --local to skip this check)",
                file=sys.stderr,
            )
        except httpx.TimeoutException:
            raise SystemExit(f"{prog}: error: {url} did not answer within {timeout:g}s (--timeout)") from None
        else:
            log.info(
                "%s%s answered %d in %.0f ms",
                url,
                path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
            return _parse(response.status_code, response.content, url)
    import asyncio

    if not args.verbose:
        setup_logging(settings, 0)
    return asyncio.run(_in_process(settings, path, content, timeout))


async def _in_process(settings: Settings, path: str, content: bytes, timeout: float) -> Answer:
    from litestar.testing import AsyncTestClient

    from app.server import create_app

    # The same HTTP stack in-process, so it validates exactly like the API; whoever runs it has
    # the configuration already, so API keys and rate limits do not apply. No warm-up: it readies
    # every mode for later requests, and there is one.
    local = msgspec.structs.replace(
        settings, api_keys="", rate_limit_per_minute=0, lm_warmup=False, retention_interval_s=0
    )
    async with AsyncTestClient(app=create_app(local), timeout=timeout) as client:
        response = await client.post(path, content=content, headers={"content-type": "application/json"})
    return _parse(response.status_code, response.content, "in-process")


def report_error(answer: Answer, prog: str) -> int:
    """One line on stderr: the problem's detail, naming the option that caused it."""
    body = answer.body
    if not isinstance(body, dict):
        text = " ".join(str(body).split())[:200]
        print(
            f"{prog}: error: {answer.where} answered {answer.status} (not a promptgen service?): {text}",
            file=sys.stderr,
        )
        return 1
    detail = str(body.get("detail") or body.get("title") or body)
    field = str(body.get("field") or "")
    option = OPTIONS.get(re.sub(r"\[\d+\]$", "", field.rpartition(".")[2])) if field else None
    kind = str(body.get("type", "")).rpartition("/")[2]
    where = f"{option}: " if option else ""
    hint = " (pass --api-key)" if answer.status == 401 else ""
    print(f"{prog}: error: {where}{detail} [{answer.status} {kind}]{hint}", file=sys.stderr)
    return 1


def _data_url(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SystemExit(f"python -m app prompt: error: --image {path}: {exc.strerror}") from None
    media = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"data:{media};base64," + base64.b64encode(data).decode()


def _generation_body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"mode": args.mode}
    for key, value in (
        ("numResults", args.num_results),
        ("seed", args.seed),
        ("temperature", args.temperature),
        ("topP", args.top_p),
    ):
        if value is not None:
            body[key] = value
    if args.ip_clear:
        body["ensureIPCleared"] = True
    for key, value in (
        ("targetModel", args.target),
        ("weights", args.weights or None),
        ("negativePrompt", args.negative or None),
        ("keepTerms", args.keep),
    ):
        if value is not None:
            body[key] = value
    return body


# ----------------------------------------------------------------------------- prompt


def _prompt(args: argparse.Namespace, settings: Settings, prog: str) -> int:
    body = _generation_body(args)
    if args.spark is not None:
        body["prompt"] = args.spark
    if args.model_id is not None:
        body["modelId"] = args.model_id
    if args.aspect_ratio is not None:
        body["aspectRatio"] = args.aspect_ratio
    if args.images:
        images = [_data_url(p) for p in args.images]
        if modes.registry.get(args.mode).images == "edit":
            body["image"] = images[0]
        else:
            body["images"] = images
    timeout = args.timeout or settings.request_timeout_s + 10
    answer = call(args, settings, "/v1/generate/prompt", body, timeout, prog)
    if answer.status != 200:
        if args.json and isinstance(answer.body, dict):
            print(json.dumps(answer.body, indent=2))
        return report_error(answer, prog)
    if args.json:
        print(json.dumps(answer.body, indent=2))
    else:
        negatives = answer.body.get("negativePrompts") or []
        for index, line in enumerate(answer.body["prompts"]):
            print(line)
            if index < len(negatives):
                print(f"  negative: {negatives[index]}")
    return 0


# ----------------------------------------------------------------------------- images


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:40].strip("-") or "image"


def save_images(body: dict[str, Any], spark: str, out: Path) -> list[Path]:
    """Write each image of a chained generation's response (`b64_json`) into `out`, named after
    the spark (`a-red-fox-1.png`, the next free number); the body's images get a `file` entry
    in place of their bytes."""
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    number = 1
    for image in body.get("images", []):
        data = image.pop("b64_json", None)
        if not data:
            continue
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            continue
        ext = EXTENSIONS.get(str(image.get("mediaType", "")), "png")
        while (path := out / f"{_slug(spark)}-{number}.{ext}").exists():
            number += 1
        path.write_bytes(raw)
        image["file"] = str(path)
        saved.append(path)
    return saved


def _images(args: argparse.Namespace, settings: Settings, prog: str) -> int:
    generation = _generation_body(args)
    seed = generation.pop("seed", None)  # the images' seed, and the prompts' (the route's rule)
    body: dict[str, Any] = {
        "prompt": args.spark,
        "promptGeneration": generation,
        "response_format": "b64_json",
    }
    for key, value in (
        ("seed", seed),
        ("model", args.model),
        ("n", args.count),
        ("size", args.size),
        ("aspect_ratio", args.aspect_ratio),
        ("format", args.format),
    ):
        if value is not None:
            body[key] = value
    deadline = max(settings.request_timeout_s, settings.image_deadline_s + settings.lm_timeout_s)
    answer = call(args, settings, "/v1/generate/image", body, args.timeout or deadline + 10, prog)
    if answer.status != 200:
        if args.json and isinstance(answer.body, dict):
            print(json.dumps(answer.body, indent=2))
        return report_error(answer, prog)
    saved = save_images(answer.body, args.spark, Path(args.out))
    if args.json:
        print(json.dumps(answer.body, indent=2))
    else:
        for path in saved:
            print(path)
    if not saved:
        print(f"{prog}: error: the response held no images", file=sys.stderr)
        return 1
    return 0


# ----------------------------------------------------------------------------- entry


def setup_logging(settings: Settings, verbose: int) -> None:
    """Text lines on stderr, secrets redacted: errors only (a failed request is the command's
    own one-line error already), `-v` info, `-vv` debug. (Not needed to call a service quietly:
    `app.logs` imports the web framework, a visible part of a call's time, so it is set up only
    to log or to serve in-process.)"""
    from app.logs import configure_logging, register_secrets

    register_secrets(str(getattr(settings, name)) for name in SECRET_FIELDS if getattr(settings, name, ""))
    configure_logging({0: "ERROR", 1: "INFO"}.get(verbose, "DEBUG"), "text")


def _migrate(settings: Settings) -> int:
    """`python -m app migrate`: one line saying where the schema now is."""
    import asyncio

    from app.db import configured_url, open_database
    from app.errors import PromptgenError

    async def run() -> str:
        db = await open_database(configured_url(settings.database_url, settings.data_path))
        try:
            row = await db.fetchone("SELECT version_num FROM alembic_version")
            return str(row["version_num"]) if row else "?"
        finally:
            await db.close()

    if not settings.database_url:
        settings.data_path.mkdir(parents=True, exist_ok=True)
    try:
        revision = asyncio.run(run())
    except (PromptgenError, OSError) as exc:
        print(f"promptgen migrate: {getattr(exc, 'detail', None) or exc}", file=sys.stderr)
        return 1
    where = "PROMPTGEN_DATABASE_URL" if settings.database_url else str(settings.data_path)
    print(f"database at schema revision {revision} ({where})")
    return 0


def run_command(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """`prompt`, `images`, `config` or `migrate` (the parsed `args`)."""
    settings = load_settings()
    if getattr(args, "verbose", 0):
        setup_logging(settings, args.verbose)
    prog = f"{parser.prog} {args.command}"
    if args.command == "config":
        return _config(args, settings)
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "worker":
        from app.worker import run_worker

        return run_worker(settings)
    if args.command == "images":
        return _images(args, settings, prog)
    return _prompt(args, settings, prog)
