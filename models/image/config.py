"""Configuration of the image backends: endpoints, credentials, timeouts and retry policy.

Credentials live only here. `repr()` masks them, and every error message a backend builds
passes provider text through `redact`, so a key never reaches a response or a log line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec


class BackendSetting(msgspec.Struct, frozen=True, kw_only=True):
    """One setting an image backend declares on its class (`ImageModel.config_fields`).

    `name` is the attribute the backend reads (`config.gemini_api_key`); `default` its value
    when the service leaves it empty; `secret` marks a credential (masked by `repr`, `masked()`
    and `python -m app config`, redacted from every error and log line). `sources` are the
    service settings it is read from, each `PROMPTGEN_<SOURCE>` in the environment, the first
    non-empty one winning (default: its own name); `app.settings` adds every source it does
    not already have as a string setting (empty = this default).
    """

    name: str
    default: Any = ""
    secret: bool = False
    sources: tuple[str, ...] = ()
    doc: str = ""

    @property
    def read_from(self) -> tuple[str, ...]:
        return self.sources or (self.name,)


# provider -> the settings its class declares, filled by `models.image.register`.
_DECLARED: dict[str, tuple[BackendSetting, ...]] = {}


def declare(provider: str, settings: tuple[BackendSetting, ...]) -> None:
    """Make a registered backend's settings part of `ImageBackendConfig`."""
    others = {s.name for name, declared in _DECLARED.items() if name != provider for s in declared}
    clash = sorted({s.name for s in settings} & (others | set(ImageBackendConfig.COMMON)))
    if clash:
        raise ValueError(f"image backend {provider!r} declares settings already taken: {', '.join(clash)}")
    _DECLARED[provider] = tuple(settings)


def undeclare(provider: str) -> None:
    _DECLARED.pop(provider, None)


def declared_settings() -> Iterator[BackendSetting]:
    """Every registered backend's settings, in registration order."""
    for settings in _DECLARED.values():
        yield from settings


def secret_fields() -> tuple[str, ...]:
    """The credentials among the declared settings (their config names)."""
    return tuple(s.name for s in declared_settings() if s.secret)


class ImageBackendConfig:
    """Where each image provider lives, how to authenticate, and how patiently to call it.

    The fields below are every backend's; each backend adds its own (endpoint, credential,
    local path) through the `config_fields` its class declares. Built with keywords, read as
    attributes, immutable.
    """

    timeout_s: float = 120.0  # one HTTP attempt; the caller's deadline bounds the whole call
    max_retries: int = 2  # retries after the first attempt, for retryable failures only
    backoff_base_s: float = 0.5  # first backoff delay; doubles each retry (with jitter)
    backoff_max_s: float = 20.0  # cap on a computed backoff delay (Retry-After may exceed it)
    poll_interval_s: float = 1.0  # Replicate: delay between status polls
    replicate_wait_s: int = 60  # Replicate: `Prefer: wait=N` (1-60); 0 disables sync mode
    max_parallel_calls: int = 4  # provider calls in flight for one generate (n split)
    max_images: int = 10  # largest `n` accepted
    max_download_bytes: int = 64 * 1024 * 1024  # cap on one downloaded image

    COMMON: tuple[str, ...] = (
        "timeout_s",
        "max_retries",
        "backoff_base_s",
        "backoff_max_s",
        "poll_interval_s",
        "replicate_wait_s",
        "max_parallel_calls",
        "max_images",
        "max_download_bytes",
    )

    def __init__(self, **values: Any) -> None:
        defaults = {s.name: s.default for s in declared_settings()}
        unknown = sorted(set(values) - set(defaults) - set(self.COMMON))
        if unknown:
            raise TypeError(f"unknown image backend setting(s): {', '.join(unknown)}")
        fields = {name: getattr(type(self), name) for name in self.COMMON} | defaults | values
        self.__dict__.update(fields)

    def __getattr__(self, name: str) -> Any:
        """A declared backend setting (typed `Any`); only reached when `name` is not set."""
        raise AttributeError(f"{type(self).__name__!s} has no setting {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        fields = [f"{name}={value!r}" for name, value in self.masked().items()]
        return f"ImageBackendConfig({', '.join(fields)})"

    def _fields(self) -> dict[str, Any]:
        """The declared settings first (registration order), then the common ones."""
        names = [*(s.name for s in declared_settings()), *self.COMMON]
        return {name: self.__dict__[name] for name in names if name in self.__dict__}

    def secrets(self) -> tuple[str, ...]:
        """Every configured credential (non-empty), for redaction."""
        return tuple(v for v in (self.__dict__.get(n) for n in secret_fields()) if v)

    def masked(self) -> dict[str, Any]:
        """The configuration as a dict with credentials masked."""
        out = self._fields()
        for name in secret_fields():
            if out.get(name):
                out[name] = "***"
        return out

    @classmethod
    def from_settings(cls, settings: Any) -> ImageBackendConfig:
        """Build from the service `Settings`; fields it lacks keep their defaults.

        A common field `<name>` is read from `image_<name>`, then `<name>`; a backend's setting
        from its declared `sources` (the openai backend's `image_openai_base_url` overrides the
        language model's `openai_base_url`, so images can come from another server).
        """
        values: dict[str, Any] = {}
        reads: list[tuple[str, tuple[str, ...]]] = [(name, (f"image_{name}", name)) for name in cls.COMMON]
        reads += [(s.name, s.read_from) for s in declared_settings()]
        for name, sources in reads:
            for source in sources:
                value = getattr(settings, source, None)
                if value not in (None, ""):
                    values[name] = value
                    break
        return cls(**values)


def redact(text: str, secrets: tuple[str, ...] | list[str], limit: int = 300) -> str:
    """`text` with every secret masked, shortened to `limit` characters."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
