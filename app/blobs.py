"""Where assets' bytes live: one interface over a local folder (the default) and S3-compatible
object storage (`PROMPTGEN_BLOB_URL=s3://bucket/prefix`, through `obstore`).

Each store has three async methods (`put`, `get`, `delete`), used by `app/assets.py` on the
event loop like the database layer. Writes are create-only: a key
that exists is never overwritten (`BlobExists`), on disk through a hard link of the finished
temporary file (so a name never holds a partial file), on S3 through `If-None-Match: *`.
A read of a missing key is None; deleting one is no error.

- `LocalBlobStore`: files in a folder, as the service always kept them (`<asset id>.png`). A
  write the disk refuses is `InsufficientStorage` (507) and leaves no `.tmp` file; a crash may,
  and `remove_stale` sweeps them. Files are small and local: written inline, on the event loop.
- `ObjectBlobStore`: a bucket (and key prefix) on AWS S3 or any S3-compatible server
  (`PROMPTGEN_BLOB_ENDPOINT`, `_REGION`, `_ACCESS_KEY_ID`, `_SECRET_ACCESS_KEY`; without keys
  the usual AWS environment and instance credentials). Every replica configured with the same
  bucket reads what the others wrote (`shared`). A store that fails or cannot be reached is a
  `503 upstream-unavailable` naming `blob-store` (the details, never the credentials, in the
  log). A PUT is atomic: nothing partial is ever left to sweep.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.db import storing
from app.errors import Conflict, UpstreamUnavailable

log = logging.getLogger("promptgen.blobs")

# Hard links are not everywhere (some network and FAT file systems): create-only by a check then
NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}


class BlobExists(Conflict):
    """A create-only write found its key taken (`409`: nothing was overwritten)."""

    def __init__(self, key: str) -> None:
        super().__init__("the blob store already holds this object; writes never overwrite")
        self.key = key


class BlobStore(ABC):
    """Bytes under keys (`asset_....png`). `shared`: other replicas read the same keys."""

    shared = False

    @abstractmethod
    def describe(self) -> str:
        """Implemented by each store."""

    @abstractmethod
    async def put(self, key: str, data: bytes, media_type: str) -> None:
        """Store `data` under `key`, which must not exist yet (`BlobExists`)."""

    @abstractmethod
    async def get(self, key: str) -> bytes | None:
        """The bytes under `key`, or None."""

    @abstractmethod
    async def delete(self, keys: Sequence[str]) -> None:
        """Remove `keys` (a missing one is no error)."""

    def remove_stale(self, older_than_s: float, now: float | None = None) -> int:
        """Remove what crashed writes left; returns how many (nothing to do by default)."""
        return 0

    async def aclose(self) -> None:
        return None


class LocalBlobStore(BlobStore):
    """A folder (`<data dir>/blobs/assets` by default)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def describe(self) -> str:
        return f"folder {self.folder}"

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        path = self.folder / key
        temporary = path.with_name(path.name + ".tmp")
        try:
            with storing("storing the asset"):
                temporary.write_bytes(data)
                try:
                    os.link(temporary, path)  # create-only: fails when the name exists
                except FileExistsError:
                    raise BlobExists(key) from None
                except OSError as exc:
                    if exc.errno not in NO_LINKS:
                        raise
                    if path.exists():
                        raise BlobExists(key) from None
                    os.replace(temporary, path)
        finally:
            with contextlib.suppress(OSError):  # no partial file, whatever happened
                temporary.unlink()

    async def get(self, key: str) -> bytes | None:
        try:
            return (self.folder / key).read_bytes()
        except FileNotFoundError:
            return None

    async def delete(self, keys: Sequence[str]) -> None:
        with storing("deleting the asset's content"):
            for key in keys:
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / key).unlink()

    def remove_stale(self, older_than_s: float, now: float | None = None) -> int:
        """Remove `.tmp` files a crashed write left (older than `older_than_s`)."""
        cutoff = (time.time() if now is None else now) - older_than_s
        removed = 0
        for temporary in self.folder.glob("*.tmp"):
            with contextlib.suppress(OSError):
                if temporary.stat().st_mtime < cutoff:
                    temporary.unlink()
                    removed += 1
        return removed


class ObjectBlobStore(BlobStore):
    """A bucket on S3 or an S3-compatible server, under a key prefix."""

    shared = True

    def __init__(
        self,
        url: str,
        endpoint: str = "",
        region: str = "",
        access_key_id: str = "",
        secret_access_key: str = "",
        timeout_s: float = 30.0,
    ) -> None:
        from obstore.store import S3Store

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"a blob URL names a bucket: s3://bucket/prefix, not {url!r}")
        self.bucket, self.prefix = parts.netloc, parts.path.strip("/")
        config: dict[str, Any] = {}
        for name, value in (
            ("endpoint", endpoint),
            ("region", region),
            ("access_key_id", access_key_id),
            ("secret_access_key", secret_access_key),
        ):
            if value:
                config[name] = value
        self.endpoint = endpoint
        self.store = S3Store(
            self.bucket,
            prefix=self.prefix or None,
            client_options={
                "allow_http": endpoint.startswith("http://"),
                "timeout": timedelta(seconds=timeout_s),
                "connect_timeout": timedelta(seconds=min(5.0, timeout_s)),
            },
            retry_config={"max_retries": 2, "retry_timeout": timedelta(seconds=timeout_s)},
            **config,
        )

    def describe(self) -> str:
        where = f" at {self.endpoint}" if self.endpoint else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"

    async def put(self, key: str, data: bytes, media_type: str) -> None:
        import obstore

        with self._failures("storing the asset", key):
            await obstore.put_async(
                self.store, key, data, mode="create", attributes={"Content-Type": media_type}
            )

    async def get(self, key: str) -> bytes | None:
        import obstore

        with self._failures("reading the asset", key):
            try:
                result = await obstore.get_async(self.store, key)
                return bytes(await result.bytes_async())
            except FileNotFoundError:
                return None

    async def delete(self, keys: Sequence[str]) -> None:
        import obstore

        if keys:
            with self._failures("deleting the asset's content", keys[0]):
                await obstore.delete_async(self.store, list(keys))

    @contextlib.contextmanager
    def _failures(self, what: str, key: str) -> Any:
        """A taken key is `BlobExists`; any other failure of the store a 503 (`blob-store`)."""
        from obstore.exceptions import AlreadyExistsError, BaseError

        try:
            yield
        except AlreadyExistsError:
            raise BlobExists(key) from None
        except (BaseError, OSError, TimeoutError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            log.warning("object store: %s %s failed: %s", what, key, str(exc).split("\n", 1)[0])
            raise UpstreamUnavailable(
                f"{what} failed: the object store did not answer ({type(exc).__name__})", backend="blob-store"
            ) from None


def create_blob_store(settings: Any, default: Path) -> BlobStore:
    """The configured store: `blob_url` empty (the folder `default`), a folder (a path or
    `file://`), or `s3://bucket/prefix` with the `blob_*` endpoint and credentials."""
    url = str(getattr(settings, "blob_url", "") or "").strip()
    if not url:
        return LocalBlobStore(default)
    if url.startswith("s3://"):
        return ObjectBlobStore(
            url,
            endpoint=str(getattr(settings, "blob_endpoint", "") or ""),
            region=str(getattr(settings, "blob_region", "") or ""),
            access_key_id=str(getattr(settings, "blob_access_key_id", "") or ""),
            secret_access_key=str(getattr(settings, "blob_secret_access_key", "") or ""),
        )
    folder = url.removeprefix("file://") if url.startswith("file://") else url
    return LocalBlobStore(Path(folder).expanduser().resolve())
