"""Configuration: environment variables prefixed `PROMPTGEN_`, optionally from a `.env` file.

Each field of `Settings` is read from `PROMPTGEN_<FIELD_NAME_UPPER>`, and so is each setting an
image backend declares (`config_fields` on its class, models/image/); the process environment
wins over `.env`. Values are converted leniently here (this is operator input, not API input)
but an invalid value stops start-up with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any, Literal

import msgspec

import models.image  # noqa: F401 - registers the image backends, whose settings are read here
from models.image.config import declared_settings
from models.image.preview import DEFAULT_MODEL_ID as PREVIEW_BACKEND

PREFIX = "PROMPTGEN_"
CACHE_SCHEMES = ("redis://", "rediss://", "unix://")  # stores `app/shared_cache.py` can reach
BLOB_SCHEMES = ("s3://", "file://")  # blob stores `app/blobs.py` can reach (or a plain folder)
POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+")  # a Postgres URL (any driver named)
QUEUE_ON_DATABASE = "database"  # PROMPTGEN_QUEUE_URL: SAQ's Postgres queue in PROMPTGEN_DATABASE_URL
# The service's own secrets; the image backends' credentials join them (`SECRET_FIELDS`).
OWN_SECRETS = frozenset(
    {
        "openai_api_key",
        "api_keys",
        "webhook_secret",
        "describer_api_key",
        "cache_url",  # may hold a password
        "rate_limit_url",  # may hold a password
        "blob_access_key_id",
        "blob_secret_access_key",
        "database_url",  # may hold a password
        "queue_url",  # may hold a password
    }
)
BACKEND_SETTINGS = "backend_settings"  # the field holding them: not a variable of its own


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Effective configuration of one service process."""

    data_dir: str = ".data"
    # The database (app/db.py): empty = the embedded SQLite file in the data directory;
    # `sqlite:///path` or `postgresql://user:password@host/db` (may hold a password)
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000

    # Language model
    lm_backend: str = "local"
    lm_model: str = ""  # local: a folder (empty = embedded SmolLM2); openai: the model name
    lm_dtype: str = "float32"  # batch-invariant on CPU: a seeded result never depends on its batch
    lm_threads: int = 0  # 0 = all cores
    # local: "auto" decodes float32 through models/lm/kernels.py when a C compiler builds it;
    # "torch" through torch's products (what runs without a compiler)
    lm_kernel: Literal["auto", "torch"] = "auto"
    lm_concurrency: int = 1  # generate calls running at once per backend
    lm_queue: int = 32  # requests waiting for the backend before 503
    lm_batch_window_ms: float = 5.0  # local: how long a batch waits for concurrent requests to join
    lm_max_batch_rows: int = 64  # local: rows in one batched generate call
    lm_timeout_s: float = 60.0  # deadline for one generation (all attempts)
    # after the load, prefill each spark-only mode's conversation head once (local model), so
    # the first request of a mode is as fast as later ones; /readyz waits for it
    lm_warmup: bool = True
    # The relevance gate (modes/relevance.py): a scene phrase whose all-MiniLM-L6-v2 cosine with the
    # result's head is below a floor is left out. auto: on for a local model, off for a remote one.
    relevance_gate: Literal["auto", "on", "off"] = "auto"
    relevance_floor: float = 0.0  # 0: each gated mode's calibrated floor; a value: that floor for all
    openai_base_url: str = "https://api.openai.com/v1"
    openai_api_key: str = ""
    openai_max_retries: int = 1

    # Modes
    word_limit: int = 75
    default_temperature: float = 0.7
    default_top_p: float = 0.9

    # IP filter: the shipped lexicon is always on; a JSON file adds `custom` entries
    ip_custom_lexicon: str = ""
    ip_rewrite: bool = False  # smooth cleared outputs with the language model (fails closed)
    ip_rewrite_timeout_s: float = 10.0
    # `keepTerms` naming protected IP are refused (400) unless this is on
    allow_ip_keep_terms: bool = False

    # Seeded results kept in memory (0 disables the cache and request coalescing)
    cache_entries: int = 2048
    # A store several replicas share (redis://, rediss:// or unix:// URL; empty: memory only)
    cache_url: str = ""
    cache_ttl_s: int = 7 * 24 * 3600  # how long a shared entry lives
    cache_timeout_ms: int = 200  # per shared-store call; past it, a miss

    # Images and other backends (later issues build on these)
    describer: str = "builtin"  # builtin (Pillow analysis), openai (vision chat model), local (transformers)
    describer_model: str = ""  # openai: the vision model name (default gpt-4o-mini); local: a model folder
    describer_base_url: str = ""  # openai describer: overrides openai_base_url when set
    describer_api_key: str = ""  # openai describer: overrides openai_api_key when set
    describer_timeout_s: float = 30.0
    max_image_bytes: int = 20 * 1024 * 1024  # per image, checked before decoding
    max_image_pixels: int = 40_000_000  # per image, read from the header (decompression bombs)
    max_request_pixels: int = 100_000_000  # all the images of one request together (0: no bound)
    # provider:model; empty = `preview:card` unless an image provider's key or folder is set
    # (then none: 501 naming this setting); "preview" = preview:card; "none" = no image backend
    image_backend: str = ""

    # HTTP
    api_keys: str = ""
    max_body_bytes: int = 64 * 1024 * 1024
    request_timeout_s: float = 120.0  # deadline of one request (image routes: at least the image deadline)
    log_level: str = "INFO"
    log_format: str = "auto"  # auto: text on a terminal, else json (one object a line, with the request id)
    shutdown_grace_s: float = 30.0  # on stop: how long in-flight requests and running jobs may finish
    # Admission: beyond these, a request is refused at once with 503 and Retry-After, before
    # any image is decoded or URL fetched (the language model's bound is lm_concurrency + lm_queue)
    image_queue: int = 16  # chained image generations accepted (running or waiting) per process
    describer_queue: int = 8  # caption requests in flight per process
    # Rate limits per API key (per client address when no keys are configured); 0 = off
    rate_limit_per_minute: int = 0
    rate_limit_burst: int = 0  # requests allowed back to back; 0 = a sixth of the minute's allowance
    rate_limit_store: str = "sqlite"  # sqlite: a file in the data dir, shared by every worker; memory
    # a Redis several replicas share (redis://, rediss:// or unix:// URL): overrides rate_limit_store
    rate_limit_url: str = ""
    rate_limit_timeout_ms: int = 250  # per call to that Redis; past it, the request is let through
    # Caller-chosen URLs (input_references, webhook_url), see app/fetch.py
    fetch_allow_hosts: str = ""  # names, *.suffixes, addresses or CIDRs reachable although not public
    fetch_timeout_s: float = 30.0  # one fetch, all redirects and the body included
    fetch_max_redirects: int = 3
    # Browsers and proxies (app/proxy.py): the base of every absolute URL the service hands out
    # (empty: the address the connection came in on, never the Host header); the proxies whose
    # X-Forwarded-For/-Proto/-Host are believed (addresses or CIDRs); the origins CORS lets in
    public_url: str = ""
    trusted_proxies: str = ""
    cors_origins: str = ""  # empty: CORS off (no cross-origin page may read an answer); "*" any
    # Failed authentication per client address (GCRA, app/ratelimit.py); 0 = not limited
    auth_failures_per_minute: int = 30
    auth_failures_burst: int = 10

    # Image generation (POST /v1/generate/image, /v1/images/generations). Empty values leave
    # models/image/config.py's defaults; `image_<name>` overrides the generic `<name>` there.
    # Each backend's own settings (endpoint, key, folder) are its class's `config_fields`:
    # `backend_settings` holds them by name, read as attributes like the fields here
    # (`settings.gemini_api_key`, from PROMPTGEN_GEMINI_API_KEY; see `backend_fields`).
    backend_settings: dict[str, Any] = msgspec.field(default_factory=dict)
    image_models: str = ""  # request `model`s allowed: "provider:model" or "provider:*", comma-separated
    image_timeout_s: float | None = None  # one provider HTTP attempt
    image_max_retries: int | None = None  # retries of a retryable provider failure (429, 5xx, ...)
    image_backoff_base_s: float | None = None
    image_backoff_max_s: float | None = None
    image_deadline_s: float = 300.0  # all provider calls of one generation
    image_concurrency: int = 4  # provider calls in flight for one generation
    # Webhooks: HMAC-SHA256 signed POSTs on job completion or failure, retried with backoff
    webhook_secret: str = ""
    webhook_timeout_s: float = 10.0
    webhook_max_attempts: int = 6
    webhook_backoff_base_s: float = 2.0
    webhook_backoff_max_s: float = 300.0
    # Storage (app/retention.py): what is kept, swept every `retention_interval_s`; 0 = no bound
    job_retention_days: float = 30.0  # finished jobs (each ~850 bytes with its request summary)
    job_retention_max: int = 100_000  # the newest finished jobs kept
    job_asset_retention_days: float = 7.0  # images jobs generated (uploads stay until deleted)
    job_asset_retention_max: int = 2_000
    webhook_retention_days: float = 7.0  # delivered or failed webhook deliveries (pending stay)
    webhook_retention_max: int = 10_000
    retention_interval_s: float = 600.0  # 0: never swept
    data_min_free_mb: int = 256  # free space the data directory keeps: /readyz, new assets (507)
    # Where assets' bytes live (app/blobs.py): empty = `<data dir>/blobs/assets`, a folder (a path
    # or file://), or s3://bucket/prefix on AWS or any S3-compatible server (`blob_endpoint`);
    # without keys, S3 credentials come from the usual AWS_* variables or the instance's role
    blob_url: str = ""
    blob_endpoint: str = ""  # e.g. http://127.0.0.1:9000; empty: AWS's endpoint for the region
    blob_region: str = ""  # empty: AWS_REGION / AWS_DEFAULT_REGION, else us-east-1
    blob_access_key_id: str = ""
    blob_secret_access_key: str = ""
    # Where asynchronous jobs wait for a worker (app/job_queue.py): empty = in this process, as
    # asyncio tasks (the embedded profile); redis://... = SAQ on that Redis; postgresql://... =
    # SAQ's Postgres queue on that server; "database" = SAQ's Postgres queue in the database
    # (`database_url`, which must then be Postgres). Either way any replica's worker runs them
    queue_url: str = ""
    # Who runs queued jobs: workers inside the server process, or only `python -m app worker`
    workers: Literal["in-process", "external"] = "in-process"
    worker_concurrency: int = 4  # queued jobs one worker process runs at once
    queue_retries: int = 1  # runs more of a job whose worker died mid-way (0: it fails, `interrupted`)
    queue_heartbeat_s: int = 10  # a running job's worker is presumed dead after this long unheard
    queue_sweep_s: float = 10.0  # how often a replica looks for jobs whose worker died

    def __post_init__(self) -> None:
        if self.cache_url and not self.cache_url.startswith(CACHE_SCHEMES):
            raise ValueError(f"`cache_url` must start with {', '.join(CACHE_SCHEMES)}")
        if self.rate_limit_url and not self.rate_limit_url.startswith(CACHE_SCHEMES):
            raise ValueError(f"`rate_limit_url` must start with {', '.join(CACHE_SCHEMES)}")
        if "://" in self.blob_url and not self.blob_url.startswith(BLOB_SCHEMES):
            raise ValueError("`blob_url` must be a folder, file:///folder or s3://bucket/prefix")
        if self.blob_url.startswith("s3://") and not self.blob_url[5:].split("/", 1)[0]:
            raise ValueError("`blob_url` must name a bucket: s3://bucket/prefix")
        if self.queue_url and not self.queue_engine:
            raise ValueError(
                f"`queue_url` must be a Redis URL ({', '.join(CACHE_SCHEMES)}), a Postgres URL "
                f"(postgresql://...) or `{QUEUE_ON_DATABASE}` (the Postgres of `database_url`), "
                f"not {self.queue_url.split('://', 1)[0] + '://...' if '://' in self.queue_url else repr(self.queue_url)}"
            )
        if self.queue_url.strip().lower() == QUEUE_ON_DATABASE and not self.database_url.startswith(
            POSTGRES_SCHEMES
        ):
            raise ValueError(
                f"`queue_url` `{QUEUE_ON_DATABASE}` puts the job queue in the database, which must then be "
                "Postgres: set `database_url` to postgresql://... (a SQLite file is no queue replicas share)"
            )
        if self.queue_heartbeat_s < 1:
            raise ValueError("`queue_heartbeat_s` must be at least 1")
        self.image_backend = self._effective_image_backend()

    def _effective_image_backend(self) -> str:
        """The image backend: the one configured; `preview:card` (a labelled mood-board card,
        no weights, no network) when none is and no image provider's key or folder is set, so a
        fresh install can show spark -> pictures; "none" as given, "" for a provider set up
        without a backend chosen (either way requests are a 501 naming PROMPTGEN_IMAGE_BACKEND)."""
        chosen = self.image_backend.strip()
        if chosen.lower() in ("none", "off"):
            return "none"  # kept as said, so a copy of these settings resolves the same way
        if chosen.lower() == "preview":
            return PREVIEW_BACKEND
        if chosen:
            return chosen
        provider_set_up = any(
            getattr(self, source, None)
            for setting in declared_settings()
            if setting.secret or setting.name.endswith("_path")
            for source in setting.read_from
        )
        return "" if provider_set_up else PREVIEW_BACKEND

    def __getattr__(self, name: str) -> Any:
        """An image backend's setting (only reached for names that are not fields)."""
        defaults = backend_fields()
        if name not in defaults:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return self.backend_settings.get(name, defaults[name])

    @property
    def image_backend_id(self) -> str:
        """The image backend's `provider:model`, or "" when there is none (not configured, "none")."""
        return "" if self.image_backend.lower() == "none" else self.image_backend

    @property
    def queue_engine(self) -> Literal["", "redis", "postgres"]:
        """The engine of the job queue: "" (this process's tasks), "redis" or "postgres"
        (unknown URLs included as "": `__post_init__` refuses them)."""
        url = self.queue_url.strip()
        if not url:
            return ""
        if url.startswith(CACHE_SCHEMES):
            return "redis"
        if url.startswith(POSTGRES_SCHEMES) or url.lower() == QUEUE_ON_DATABASE:
            return "postgres"
        return ""

    @property
    def queue_target(self) -> str:
        """The URL the queue connects to: `queue_url`, or `database_url` for "database"; a
        Postgres URL without a driver name (SAQ's Postgres queue speaks psycopg)."""
        url = self.queue_url.strip()
        if url.lower() == QUEUE_ON_DATABASE:
            url = self.database_url
        return plain_postgres_url(url) if self.queue_engine == "postgres" else url

    @property
    def distributed(self) -> bool:
        """Whether jobs go to a shared queue (`queue_url`): the distributed profile."""
        return bool(self.queue_url)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    def masked(self) -> dict[str, Any]:
        """The configuration as a dict with every secret replaced by a mask (backend settings
        listed among the others)."""
        out = msgspec.structs.asdict(self)
        del out[BACKEND_SETTINGS]
        out.update({name: getattr(self, name) for name in backend_fields()})
        for key in SECRET_FIELDS & out.keys():
            if out[key]:
                out[key] = "***"
        return out


def plain_postgres_url(url: str) -> str:
    """A Postgres URL without a driver name (`postgresql+asyncpg://` -> `postgresql://`)."""
    scheme, sep, rest = url.partition("://")
    return "postgresql://" + rest if sep and scheme.lower().startswith("postgres") else url


def backend_fields() -> dict[str, Any]:
    """The settings the registered image backends add, with their defaults: every source of a
    declared `config_fields` entry that is not a field of `Settings` ("" for a string, None
    otherwise: empty leaves the backend's own default)."""
    fields: dict[str, Any] = {}
    for setting in declared_settings():
        for source in setting.read_from:
            if source not in Settings.__struct_fields__:
                fields.setdefault(source, "" if isinstance(setting.default, str) else None)
    return fields


def _backend_type(name: str) -> Any:
    setting = next(s for s in declared_settings() if name in s.read_from)
    return str if isinstance(setting.default, str) else type(setting.default) | None


class _SecretFields(AbstractSet[str]):
    """The service's secrets and every registered backend's (read at each use)."""

    @classmethod
    def _from_iterable(cls, names: Iterable[str]) -> frozenset[str]:  # type: ignore[override]
        return frozenset(names)  # what set operations (`&`, `|`, `-`) return

    def _names(self) -> frozenset[str]:
        backend = {source for s in declared_settings() if s.secret for source in s.read_from}
        return OWN_SECRETS | backend

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._names()))

    def __len__(self) -> int:
        return len(self._names())


SECRET_FIELDS: AbstractSet[str] = _SecretFields()


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key] = value
    return values


def load_settings(
    env: dict[str, str] | None = None, dotenv: Path | None = Path(".env"), **overrides: Any
) -> Settings:
    """Build `Settings` from `.env`, then the environment, then keyword overrides."""
    merged: dict[str, str] = {}
    if dotenv is not None:
        merged.update(_read_dotenv(dotenv))
    merged.update(os.environ if env is None else env)
    fields = {f.name for f in msgspec.structs.fields(Settings)} - {BACKEND_SETTINGS}
    backend = backend_fields()
    raw: dict[str, Any] = {}
    for key, value in merged.items():
        if key.startswith(PREFIX):
            name = key[len(PREFIX) :].lower()
            if name in fields or name in backend:
                raw[name] = value
    raw.update({k: v for k, v in overrides.items() if v is not None})
    values: dict[str, Any] = {}
    for name in backend.keys() & raw.keys():
        try:
            values[name] = msgspec.convert(raw.pop(name), _backend_type(name), strict=False)
        except msgspec.ValidationError as exc:
            raise SystemExit(
                f"invalid configuration: {exc} - at `$.{name}` (environment variables {PREFIX}*)"
            ) from None
    raw[BACKEND_SETTINGS] = values
    try:
        return msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SystemExit(f"invalid configuration: {exc} (environment variables {PREFIX}*)") from None
