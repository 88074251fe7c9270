"""Style models: a name, training images (asset ids), example prompts and capability notes.

Nothing is trained here: a style model conditions prompt generation with the descriptions of
its training images and its example prompts (as Scenario's prompt API does with `modelId`).
"""

from __future__ import annotations

import secrets

import msgspec
from sqlalchemy import select

from app.assets import AssetStore
from app.db import Database
from app.errors import NotFound, ValidationFailed
from app.image_protocol import CreateStyleModelRequest, StyleModel
from app.jobs import now_iso
from app.schema import style_models


def new_model_id() -> str:
    return "model_" + secrets.token_hex(12)


class StyleModelStore:
    def __init__(self, db: Database, assets: AssetStore) -> None:
        self.db = db
        self.assets = assets
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(StyleModel)

    async def create(self, request: CreateStyleModelRequest) -> StyleModel:
        if not request.training_images and not request.example_prompts:
            raise ValidationFailed(
                "a style model needs `trainingImages` (asset ids) or `examplePrompts`, or both",
                field="trainingImages",
            )
        for index, asset_id in enumerate(request.training_images):
            await self.assets.get(asset_id, field=f"trainingImages[{index}]")  # 404 naming the unknown id
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
        await self.db.execute(
            style_models.insert().values(
                model_id=model.model_id, body=self._encoder.encode(model), created_at=model.created_at
            )
        )
        return model

    async def get(self, model_id: str, field: str | None = None) -> StyleModel:
        row = await self.db.fetchone(select(style_models.c.body).where(style_models.c.model_id == model_id))
        if row is None:
            where = f" (in `{field}`)" if field else ""
            raise NotFound(f"no style model with id {model_id!r}{where}", modelId=model_id, field=field)
        return self._decoder.decode(row["body"])

    async def all(self) -> list[StyleModel]:
        c = style_models.c
        rows = await self.db.fetchall(select(c.body).order_by(c.created_at, c.model_id))
        return [self._decoder.decode(r["body"]) for r in rows]
