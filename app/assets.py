"""Assets: validated images kept as a database row plus a blob in the blob store (`app/blobs.py`:
a folder under the data directory by default, or an S3-compatible bucket).

The blob is written (create-only) before the row is inserted, so a crash leaves at worst an
orphan blob, never a row without its bytes. Descriptions of an asset are cached per describer
in the same database (`cached_description`). Every method that reads or writes is async: the
database layer (`app/db.py`) and the blob store are.

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

import contextlib
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path

import msgspec
from sqlalchemy import delete, select

from app.blobs import BlobExists, BlobStore, LocalBlobStore
from app.db import Database, free_bytes
from app.errors import InsufficientStorage, NotFound
from app.image_protocol import Asset
from app.images import ValidatedImage
from app.jobs import iso_at, now_iso
from app.schema import asset_descriptions, assets
from core.settle import settle
from models.describers.base import ImageDescription

EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
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
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(Asset)
        self._record_decoder = msgspec.json.Decoder(Asset)
        self._description_decoder = msgspec.msgpack.Decoder(ImageDescription)

    async def create(
        self,
        image: ValidatedImage,
        name: str | None = None,
        description: str | None = None,
        job_id: str | None = None,
    ) -> Asset:
        """Store `image`; `job_id` marks an asset a job generated (kept by the job retention)."""
        asset_id = new_asset_id()
        asset = Asset(
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
        self.check_space(len(image.data))
        keys = self._keys(asset)
        try:  # a PUT ends before a cancellation goes on, so the clean-up below sees what it wrote
            await settle(self.blobs.put(keys[0], image.data, asset.media_type))
            if len(keys) > 1:
                await settle(self.blobs.put(keys[1], msgspec.json.encode(asset), "application/json"))
            await self.db.execute(
                assets.insert().values(
                    asset_id=asset_id,
                    body=self._encoder.encode(asset),
                    created_at=asset.created_at,
                    job_id=job_id,
                )
            )
        except BaseException as exc:
            if not _taken(exc, keys):
                with contextlib.suppress(Exception):  # no blob without its row
                    await settle(self.blobs.delete(keys))
            raise
        return asset

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

    async def get(self, asset_id: str, field: str | None = None) -> Asset:
        row = await self.db.fetchone(select(assets.c.body).where(assets.c.asset_id == asset_id))
        asset = None if row is None else self._decoder.decode(row["body"])
        if asset is None and self._recorded(asset_id):
            asset = self._decode_record(await self.blobs.get(asset_id + RECORD_SUFFIX))
        if asset is None:
            where = f" (in `{field}`)" if field else ""
            raise NotFound(f"no asset with id {asset_id!r}{where}", assetId=asset_id, field=field)
        return asset

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

    async def content(self, asset_id: str, field: str | None = None) -> tuple[Asset, bytes]:
        asset = await self.get(asset_id, field)
        data = await self.blobs.get(self._keys(asset)[0])
        if data is None:
            raise NotFound(f"the content of asset {asset_id!r} is missing", assetId=asset_id)
        return asset, data

    async def image(self, asset_id: str, field: str | None = None) -> tuple[Asset, ValidatedImage]:
        """The asset and its bytes as a `ValidatedImage` (they were validated on upload)."""
        asset, data = await self.content(asset_id, field)
        return asset, ValidatedImage(
            data=data,
            media_type=asset.media_type,
            width=asset.width,
            height=asset.height,
            sha256=asset.sha256,
        )

    async def delete(self, asset_id: str) -> None:
        """The row first, then the blob (and its record)."""
        asset = await self.get(asset_id)
        await self._delete([asset])

    async def _delete(self, chosen: list[Asset], blobs_first: bool = False) -> None:
        """Remove rows (one transaction) and blobs. Rows first (`DELETE`): a disk that refuses
        the rows leaves the assets whole. Blobs first (a sweep): on a full disk SQLite cannot
        even delete, so the space the blobs free is what lets the rows go (now or next sweep)."""
        ids = [asset.asset_id for asset in chosen]
        if not ids:
            return
        if blobs_first:
            await self._remove_blobs(chosen)
        async with self.db.transaction() as conn:
            await conn.execute(delete(asset_descriptions).where(asset_descriptions.c.asset_id.in_(ids)))
            await conn.execute(delete(assets).where(assets.c.asset_id.in_(ids)))
        if not blobs_first:
            await self._remove_blobs(chosen)

    async def _remove_blobs(self, chosen: list[Asset]) -> None:
        await self.blobs.delete([key for asset in chosen for key in self._keys(asset)])

    async def sweep_job_assets(
        self, max_age_s: float, max_count: int, keep: Iterable[str] = (), now: float | None = None
    ) -> int:
        """Delete the assets jobs generated that are older than `max_age_s` or beyond the
        `max_count` newest (0 turns either bound off), except those in `keep` (a style model's
        training images); returns how many went."""
        c = assets.c
        kept = sorted(set(keep))
        candidates = [c.job_id.is_not(None), c.asset_id.not_in(kept)]
        queries = []
        if max_age_s > 0:
            cutoff = iso_at((time.time() if now is None else now) - max_age_s)
            queries.append(select(c.body).where(*candidates, c.created_at < cutoff).limit(SWEEP_BATCH))
        if max_count > 0:
            queries.append(
                select(c.body)
                .where(*candidates)
                .order_by(c.created_at.desc(), c.asset_id)
                .limit(SWEEP_BATCH)
                .offset(max_count)
            )
        removed = 0
        for query in queries:  # a batch at a time: bodies of a whole backlog never in memory
            while True:
                rows = await self.db.fetchall(query)
                await self._delete([self._decoder.decode(r["body"]) for r in rows], blobs_first=True)
                removed += len(rows)
                if len(rows) < SWEEP_BATCH:
                    break
        return removed

    async def generated_by(self, job_id: str) -> list[str]:
        """The ids of the assets `job_id` generated."""
        rows = await self.db.fetchall(select(assets.c.asset_id).where(assets.c.job_id == job_id))
        return [r["asset_id"] for r in rows]

    def remove_stale_temporaries(self, older_than_s: float = 3600.0, now: float | None = None) -> int:
        """Remove what crashed writes left in the blob store (`.tmp` files in a folder); returns
        how many. Blocking file work: the retention sweep runs it in a thread."""
        return self.blobs.remove_stale(older_than_s, now)

    async def cached_description(self, asset_id: str, describer: str) -> ImageDescription | None:
        d = asset_descriptions.c
        row = await self.db.fetchone(select(d.body).where(d.asset_id == asset_id, d.describer == describer))
        return None if row is None else self._description_decoder.decode(row["body"])

    async def cache_description(self, asset_id: str, describer: str, description: ImageDescription) -> None:
        d = asset_descriptions.c
        body = self._encoder.encode(description)
        async with self.db.transaction() as conn:  # insert or replace, the same on every engine
            await conn.execute(
                delete(asset_descriptions).where(d.asset_id == asset_id, d.describer == describer)
            )
            await conn.execute(
                asset_descriptions.insert().values(asset_id=asset_id, describer=describer, body=body)
            )

    def _keys(self, asset: Asset) -> list[str]:
        """The asset's blob key (`<asset id>.png`), then its record's in a shared store."""
        key = asset.asset_id + EXTENSIONS.get(asset.media_type, "")
        return [key, asset.asset_id + RECORD_SUFFIX] if self.blobs.shared else [key]
