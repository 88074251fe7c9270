"""Assets: validated images kept as a SQLite row plus a blob in the blob store (`app/blobs.py`:
a folder under the data directory by default, or an S3-compatible bucket).

The blob is written (create-only) before the row is inserted, so a crash leaves at worst an
orphan blob, never a row without its bytes. Descriptions of an asset are cached per describer
in the same database (`cached_description`). Request handlers use the async methods (`acreate`,
`aget`, `acontent`, `aimage`, `adelete`); the sync ones serve worker threads and start-up.

With a shared store (a bucket several replicas use) the asset's record is also written next to
its bytes (`<asset id>.json`), so a replica whose database has no row for an asset another
replica stored still serves it under the same URL, and can delete it.

A disk that refuses a write (full, read-only) is an `InsufficientStorage` problem (507) and
leaves nothing behind: the partial `.tmp` file and a blob whose row could not be written are
removed. Below `min_free_bytes` free, new assets are refused before anything is written. An
asset a job generated records that job (`job_id`): `sweep_job_assets` keeps them to an age and
a count (uploads are the caller's, deleted only by `DELETE`), never one a style model uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

import msgspec

from app.blobs import BlobExists, BlobStore, LocalBlobStore
from app.db import Database, free_bytes
from app.errors import InsufficientStorage, NotFound
from app.image_protocol import Asset
from app.images import ValidatedImage
from app.jobs import iso_at, now_iso
from models.describers.base import ImageDescription

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS assets (
        asset_id TEXT PRIMARY KEY,
        body BLOB NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS asset_descriptions (
        asset_id TEXT NOT NULL,
        describer TEXT NOT NULL,
        body BLOB NOT NULL,
        PRIMARY KEY (asset_id, describer)
    )""",
)
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
JOB_ASSET_NAME = re.compile(r"(job_[0-9a-f]{24})-\d+")  # how the chain names what it generates
ASSET_ID = re.compile(r"asset_[0-9a-f]{24}")  # what `new_asset_id` makes: the only ids looked up in a store
RECORD_SUFFIX = ".json"  # an asset's record next to its bytes, in a shared store
SWEEP_BATCH = 500  # assets deleted per transaction by a sweep


def new_asset_id() -> str:
    return "asset_" + secrets.token_hex(12)


def is_asset_id(value: str) -> bool:
    return value.startswith("asset_")


def _taken(exc: BaseException, keys: list[str]) -> bool:
    """Whether `exc` says the asset's first key was already taken: nothing here to undo then."""
    return isinstance(exc, BlobExists) and exc.key == keys[0]


class AssetStore:
    """Create, read and delete assets; their bytes live in `blobs` (by default the folder
    `blob_dir`)."""

    def __init__(
        self, db: Database, blob_dir: Path, min_free_bytes: int = 0, blobs: BlobStore | None = None
    ) -> None:
        self.db = db
        self.blob_dir = blob_dir
        self.blobs = blobs if blobs is not None else LocalBlobStore(blob_dir)
        self.min_free_bytes = max(0, min_free_bytes) if not self.blobs.shared else 0  # no local bytes
        if not self.blobs.shared:
            blob_dir.mkdir(parents=True, exist_ok=True)
        db.ensure_schema(SCHEMA)
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(Asset)
        self._record_decoder = msgspec.json.Decoder(Asset)
        self._description_decoder = msgspec.msgpack.Decoder(ImageDescription)
        self._add_job_column()

    def _add_job_column(self) -> None:
        """Schema upgrade: the `job_id` column, filled for the assets jobs generated before it
        existed (named `<job id>-<n>` by a job that is on record)."""
        columns = {row["name"] for row in self.db.fetchall("PRAGMA table_info(assets)")}
        if "job_id" not in columns:
            self.db.execute("ALTER TABLE assets ADD COLUMN job_id TEXT")
            has_jobs = self.db.fetchone("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'")
            updates = []
            for row in self.db.fetchall("SELECT asset_id, body FROM assets") if has_jobs else []:
                match = JOB_ASSET_NAME.fullmatch(self._decoder.decode(row["body"]).name)
                if match and self.db.fetchone("SELECT 1 FROM jobs WHERE job_id = ?", (match[1],)):
                    updates.append((match[1], row["asset_id"]))
            if updates:
                self.db.execute_many("UPDATE assets SET job_id = ? WHERE asset_id = ?", updates)
        self.db.ensure_schema(
            [
                "CREATE INDEX IF NOT EXISTS assets_job_created ON assets(job_id, created_at) WHERE job_id IS NOT NULL"
            ]
        )

    def create(
        self,
        image: ValidatedImage,
        name: str | None = None,
        description: str | None = None,
        job_id: str | None = None,
    ) -> Asset:
        """Store `image`; `job_id` marks an asset a job generated (kept by the job retention)."""
        asset = self._new(image, name, description)
        self.check_space(len(image.data))
        keys = self._keys(asset)
        try:
            self.blobs.put_sync(keys[0], image.data, asset.media_type)
            if len(keys) > 1:
                self.blobs.put_sync(keys[1], msgspec.json.encode(asset), "application/json")
            self._insert(asset, job_id)
        except BaseException as exc:
            if not _taken(exc, keys):
                with contextlib.suppress(Exception):  # no blob without its row
                    self.blobs.delete_sync(keys)
            raise
        return asset

    async def acreate(
        self,
        image: ValidatedImage,
        name: str | None = None,
        description: str | None = None,
        job_id: str | None = None,
    ) -> Asset:
        """`create` for the event loop."""
        asset = self._new(image, name, description)
        self.check_space(len(image.data))
        keys = self._keys(asset)
        try:  # a canceled PUT may still land: it is removed like a failed one
            await self.blobs.put(keys[0], image.data, asset.media_type)
            if len(keys) > 1:
                await self.blobs.put(keys[1], msgspec.json.encode(asset), "application/json")
            self._insert(asset, job_id)
        except BaseException as exc:
            if not _taken(exc, keys):
                with contextlib.suppress(Exception):  # no blob without its row
                    await asyncio.shield(self.blobs.delete(keys))
            raise
        return asset

    def _new(self, image: ValidatedImage, name: str | None, description: str | None) -> Asset:
        asset_id = new_asset_id()
        return Asset(
            asset_id=asset_id,
            name=(name or "").strip() or asset_id,
            description=" ".join((description or "").split()),
            media_type=image.media_type,
            width=image.width,
            height=image.height,
            size=len(image.data),
            sha256=image.sha256,
            created_at=now_iso(),
            url=f"/v1/assets/{asset_id}/content",
        )

    def _insert(self, asset: Asset, job_id: str | None) -> None:
        self.db.execute(
            "INSERT INTO assets(asset_id, body, created_at, job_id) VALUES (?,?,?,?)",
            (asset.asset_id, self._encoder.encode(asset), asset.created_at, job_id),
        )

    def check_space(self, size: int) -> None:
        """Refuse (507) a write of `size` bytes that would leave less than `min_free_bytes` free."""
        if self.min_free_bytes <= 0:
            return
        try:
            free = free_bytes(self.blob_dir)
        except OSError:
            return  # cannot tell: the write itself will say
        if free - size < self.min_free_bytes:
            raise InsufficientStorage(
                f"storing the asset failed: the data directory has {free // 2**20} MiB free, and keeps "
                f"at least {self.min_free_bytes // 2**20} MiB (PROMPTGEN_DATA_MIN_FREE_MB)",
                reason="full",
            )

    def get(self, asset_id: str, field: str | None = None) -> Asset:
        asset = self._row(asset_id)
        if asset is None and self._recorded(asset_id):
            asset = self._decode_record(self.blobs.get_sync(asset_id + RECORD_SUFFIX))
        return self._found(asset, asset_id, field)

    async def aget(self, asset_id: str, field: str | None = None) -> Asset:
        asset = self._row(asset_id)
        if asset is None and self._recorded(asset_id):
            asset = self._decode_record(await self.blobs.get(asset_id + RECORD_SUFFIX))
        return self._found(asset, asset_id, field)

    def _row(self, asset_id: str) -> Asset | None:
        row = self.db.fetchone("SELECT body FROM assets WHERE asset_id = ?", (asset_id,))
        return None if row is None else self._decoder.decode(row["body"])

    def _recorded(self, asset_id: str) -> bool:
        """Whether another replica may have stored `asset_id` (a shared store, a well-formed id)."""
        return self.blobs.shared and ASSET_ID.fullmatch(asset_id) is not None

    def _decode_record(self, data: bytes | None) -> Asset | None:
        if data is None:
            return None
        try:
            return self._record_decoder.decode(data)
        except msgspec.DecodeError:
            return None

    @staticmethod
    def _found(asset: Asset | None, asset_id: str, field: str | None) -> Asset:
        if asset is None:
            where = f" (in `{field}`)" if field else ""
            raise NotFound(f"no asset with id {asset_id!r}{where}", assetId=asset_id, field=field)
        return asset

    def content(self, asset_id: str, field: str | None = None) -> tuple[Asset, bytes]:
        asset = self.get(asset_id, field)
        return asset, self._present(asset, self.blobs.get_sync(self._keys(asset)[0]))

    async def acontent(self, asset_id: str, field: str | None = None) -> tuple[Asset, bytes]:
        asset = await self.aget(asset_id, field)
        return asset, self._present(asset, await self.blobs.get(self._keys(asset)[0]))

    @staticmethod
    def _present(asset: Asset, data: bytes | None) -> bytes:
        if data is None:
            raise NotFound(f"the content of asset {asset.asset_id!r} is missing", assetId=asset.asset_id)
        return data

    def image(self, asset_id: str, field: str | None = None) -> tuple[Asset, ValidatedImage]:
        """The asset and its bytes as a `ValidatedImage` (they were validated on upload)."""
        return self._validated(*self.content(asset_id, field))

    async def aimage(self, asset_id: str, field: str | None = None) -> tuple[Asset, ValidatedImage]:
        return self._validated(*await self.acontent(asset_id, field))

    @staticmethod
    def _validated(asset: Asset, data: bytes) -> tuple[Asset, ValidatedImage]:
        return asset, ValidatedImage(
            data=data,
            media_type=asset.media_type,
            width=asset.width,
            height=asset.height,
            sha256=asset.sha256,
        )

    def delete(self, asset_id: str) -> None:
        asset = self.get(asset_id)
        self._delete([asset])

    async def adelete(self, asset_id: str) -> None:
        """`delete` for the event loop: the row first, then the blob (and its record)."""
        asset = await self.aget(asset_id)
        self._delete_rows([asset])
        await self.blobs.delete(self._keys(asset))

    def _delete(self, assets: list[Asset], blobs_first: bool = False) -> None:
        """Remove rows (one transaction) and blobs. Rows first (`DELETE`): a disk that refuses
        the rows leaves the assets whole. Blobs first (a sweep): on a full disk SQLite cannot
        even delete, so the space the blobs free is what lets the rows go (now or next sweep)."""
        if not assets:
            return
        if blobs_first:
            self._unlink(assets)
        self._delete_rows(assets)
        if not blobs_first:
            self._unlink(assets)

    def _delete_rows(self, assets: list[Asset]) -> None:
        ids = [(asset.asset_id,) for asset in assets]
        self.db.execute_many("DELETE FROM asset_descriptions WHERE asset_id = ?", ids)
        self.db.execute_many("DELETE FROM assets WHERE asset_id = ?", ids)

    def _unlink(self, assets: list[Asset]) -> None:
        self.blobs.delete_sync([key for asset in assets for key in self._keys(asset)])

    def sweep_job_assets(
        self, max_age_s: float, max_count: int, keep: Iterable[str] = (), now: float | None = None
    ) -> int:
        """Delete the assets jobs generated that are older than `max_age_s` or beyond the
        `max_count` newest (0 turns either bound off), except those in `keep` (a style model's
        training images); returns how many went."""
        kept = json.dumps(sorted(set(keep)))  # one parameter, read by SQLite's json_each
        candidates = "job_id IS NOT NULL AND asset_id NOT IN (SELECT value FROM json_each(?))"
        queries: list[tuple[str, tuple[object, ...]]] = []
        if max_age_s > 0:
            cutoff = iso_at((time.time() if now is None else now) - max_age_s)
            queries.append((f"{candidates} AND created_at < ? LIMIT ?", (kept, cutoff, SWEEP_BATCH)))
        if max_count > 0:
            queries.append(
                (
                    f"{candidates} ORDER BY created_at DESC, asset_id LIMIT ? OFFSET ?",
                    (kept, SWEEP_BATCH, max_count),
                )
            )
        removed = 0
        for where, params in queries:  # a batch at a time: bodies of a whole backlog never in memory
            while True:
                rows = self.db.fetchall(f"SELECT body FROM assets WHERE {where}", params)
                self._delete([self._decoder.decode(r["body"]) for r in rows], blobs_first=True)
                removed += len(rows)
                if len(rows) < SWEEP_BATCH:
                    break
        return removed

    def remove_stale_temporaries(self, older_than_s: float = 3600.0, now: float | None = None) -> int:
        """Remove what crashed writes left in the blob store (`.tmp` files in a folder); returns how many."""
        return self.blobs.remove_stale(older_than_s, now)

    def cached_description(self, asset_id: str, describer: str) -> ImageDescription | None:
        row = self.db.fetchone(
            "SELECT body FROM asset_descriptions WHERE asset_id = ? AND describer = ?", (asset_id, describer)
        )
        return None if row is None else self._description_decoder.decode(row["body"])

    def cache_description(self, asset_id: str, describer: str, description: ImageDescription) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO asset_descriptions(asset_id, describer, body) VALUES (?,?,?)",
            (asset_id, describer, self._encoder.encode(description)),
        )

    def _keys(self, asset: Asset) -> list[str]:
        """The asset's blob key (`<asset id>.png`), then its record's in a shared store."""
        key = asset.asset_id + EXTENSIONS.get(asset.media_type, "")
        return [key, asset.asset_id + RECORD_SUFFIX] if self.blobs.shared else [key]
