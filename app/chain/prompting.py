"""The prompt request of a chained generation: `promptGeneration` and the image fields it reads.

Its prompts are written for the image backend's family (`modes.targets.family_of`:
`replicate:flux-schnell` -> `flux`, `openai:gpt-image-1` -> `gpt-image`) unless
`promptGeneration.targetModel` names one; Midjourney-style parameters read `aspect_ratio`.
"""

from __future__ import annotations

import modes
from app.chain_protocol import GenerateImageRequest
from app.protocol import GeneratePromptRequest
from modes import targets


def prompt_request_for(
    request: GenerateImageRequest, num_prompts: int, model_id: str
) -> GeneratePromptRequest:
    """The prompt API's request for a chained generation (not in mode `none`), its prompts
    written for the image backend's family unless `promptGeneration.targetModel` names one."""
    pg = request.prompt_generation
    image = pg.image
    edits = pg.mode in modes.registry and modes.registry.get(pg.mode).images == "edit"
    if image is None and edits:
        image = request.image  # the image being edited is what the editing prompt is about
    # an edit instruction is written for its editor (`modelId`), not for a family
    family = pg.target_model or (targets.DEFAULT if edits else targets.family_of(model_id))
    # the aspect ratio goes to the image backend; a family that takes it as a parameter gets it too
    aspect = request.aspect_ratio if targets.profile(family).aspect_parameter else None
    return GeneratePromptRequest(
        mode=pg.mode,  # type: ignore[arg-type]  # `none` was handled by the caller
        prompt=request.prompt,
        num_results=num_prompts,
        temperature=pg.temperature,
        top_p=pg.top_p,
        seed=pg.seed if pg.seed is not None else request.seed,
        ensure_ip_cleared=pg.ensure_ip_cleared,
        model_id=pg.model_id,
        images=pg.images,
        asset_ids=pg.asset_ids,
        image=image,
        target_model=family,  # type: ignore[arg-type]  # a family name
        weights=pg.weights,
        negative_prompt=pg.negative_prompt,
        keep_terms=pg.keep_terms,
        aspect_ratio=aspect,
    )
