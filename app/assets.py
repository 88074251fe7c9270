"""Assets: validated images kept as a SQLite row plus a blob file under the data directory.

Blobs are written to a temporary name and renamed into place before the row is inserted, so
a crash leaves at worst an orphan file, never a row without its bytes. Descriptions of an
asset are cached per describer in the same database (`cached_description`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import msgspec

from app.db import Database
from app.errors import NotFound
from app.image_protocol import Asset
from app.images import ValidatedImage
from app.jobs import now_iso
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


def new_asset_id() -> str:
    return "asset_" + secrets.token_hex(12)


def is_asset_id(value: str) -> bool:
    return value.startswith("asset_")


class AssetStore:
    """Create, read and delete assets; their bytes live in `blob_dir`."""

    def __init__(self, db: Database, blob_dir: Path) -> None:
        self.db = db
        self.blob_dir = blob_dir
        blob_dir.mkdir(parents=True, exist_ok=True)
        db.ensure_schema(SCHEMA)
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(Asset)
        self._description_decoder = msgspec.msgpack.Decoder(ImageDescription)

    def create(self, image: ValidatedImage, name: str | None = None, description: str | None = None) -> Asset:
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
        path = self._blob_path(asset)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_bytes(image.data)
        os.replace(temporary, path)
        self.db.execute(
            "INSERT INTO assets(asset_id, body, created_at) VALUES (?,?,?)",
            (asset_id, self._encoder.encode(asset), asset.created_at),
        )
        return asset

    def get(self, asset_id: str, field: str | None = None) -> Asset:
        row = self.db.fetchone("SELECT body FROM assets WHERE asset_id = ?", (asset_id,))
        if row is None:
            where = f" (in `{field}`)" if field else ""
            raise NotFound(f"no asset with id {asset_id!r}{where}", assetId=asset_id, field=field)
        return self._decoder.decode(row["body"])

    def content(self, asset_id: str, field: str | None = None) -> tuple[Asset, bytes]:
        asset = self.get(asset_id, field)
        try:
            return asset, self._blob_path(asset).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"the content of asset {asset_id!r} is missing", assetId=asset_id) from None

    def image(self, asset_id: str, field: str | None = None) -> tuple[Asset, ValidatedImage]:
        """The asset and its bytes as a `ValidatedImage` (they were validated on upload)."""
        asset, data = self.content(asset_id, field)
        return asset, ValidatedImage(
            data=data,
            media_type=asset.media_type,
            width=asset.width,
            height=asset.height,
            sha256=asset.sha256,
        )

    def delete(self, asset_id: str) -> None:
        asset = self.get(asset_id)
        self.db.execute("DELETE FROM assets WHERE asset_id = ?", (asset_id,))
        self.db.execute("DELETE FROM asset_descriptions WHERE asset_id = ?", (asset_id,))
        with contextlib.suppress(FileNotFoundError):
            self._blob_path(asset).unlink()

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

    def _blob_path(self, asset: Asset) -> Path:
        return self.blob_dir / (asset.asset_id + EXTENSIONS.get(asset.media_type, ""))
