"""Style models: a name, training images (asset ids), example prompts and capability notes.

Nothing is trained here: a style model conditions prompt generation with the descriptions of
its training images and its example prompts (as Scenario's prompt API does with `modelId`).
"""

from __future__ import annotations

import secrets

import msgspec

from app.assets import AssetStore
from app.db import Database
from app.errors import NotFound, ValidationFailed
from app.image_protocol import CreateStyleModelRequest, StyleModel
from app.jobs import now_iso

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS style_models (
        model_id TEXT PRIMARY KEY,
        body BLOB NOT NULL,
        created_at TEXT NOT NULL
    )""",
)


def new_model_id() -> str:
    return "model_" + secrets.token_hex(12)


class StyleModelStore:
    def __init__(self, db: Database, assets: AssetStore) -> None:
        self.db = db
        self.assets = assets
        db.ensure_schema(SCHEMA)
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(StyleModel)

    def create(self, request: CreateStyleModelRequest) -> StyleModel:
        if not request.training_images and not request.example_prompts:
            raise ValidationFailed(
                "a style model needs `trainingImages` (asset ids) or `examplePrompts`, or both",
                field="trainingImages",
            )
        for index, asset_id in enumerate(request.training_images):
            self.assets.get(asset_id, field=f"trainingImages[{index}]")  # 404 naming the unknown id
        prompts = [" ".join(p.split()) for p in request.example_prompts]
        for index, prompt in enumerate(prompts):
            if not prompt:
                raise ValidationFailed("example prompts must not be blank", field=f"examplePrompts[{index}]")
        model = StyleModel(
            model_id=new_model_id(),
            name=request.name.strip() or "untitled",
            training_images=list(dict.fromkeys(request.training_images)),
            example_prompts=prompts,
            capabilities=" ".join((request.capabilities or "").split()),
            status="ready",
            created_at=now_iso(),
        )
        self.db.execute(
            "INSERT INTO style_models(model_id, body, created_at) VALUES (?,?,?)",
            (model.model_id, self._encoder.encode(model), model.created_at),
        )
        return model

    def get(self, model_id: str, field: str | None = None) -> StyleModel:
        row = self.db.fetchone("SELECT body FROM style_models WHERE model_id = ?", (model_id,))
        if row is None:
            where = f" (in `{field}`)" if field else ""
            raise NotFound(f"no style model with id {model_id!r}{where}", modelId=model_id, field=field)
        return self._decoder.decode(row["body"])

    def all(self) -> list[StyleModel]:
        rows = self.db.fetchall("SELECT body FROM style_models ORDER BY created_at, model_id")
        return [self._decoder.decode(r["body"]) for r in rows]
