"""`ensureIPCleared` for a generation: clear the inputs before the model sees them and every
output after, and report what was found as `ipDetection`.

`modes.ip` returns its own dataclasses (`Finding`, `ClearResult`) and knows nothing of the
service; this module maps them to the wire types (`app.protocol.IPFinding`, `IPDetection`) for
the generation, caption and `/v1/ip` routes alike.

The shipped lexicon is always on; operators add entries (`PROMPTGEN_IP_CUSTOM_LEXICON`), and
no request field can switch it off. With `PROMPTGEN_IP_REWRITE=true` each cleared output also
gets a language-model smoothing pass, which fails closed (see `modes.ip.clear`).
"""

from __future__ import annotations

from typing import Any

import msgspec

from app.protocol import IPDetection, IPFinding
from models.describers.base import FIELDS as DESCRIPTION_TEXT
from modes.base import ModeContext
from modes.craft import is_near_duplicate
from modes.ip import ClearResult, Finding, IPFilter


def wire_finding(finding: Finding) -> IPFinding:
    """One `modes.ip` finding as the wire's `IPFinding` (offsets and evasions stay here)."""
    return IPFinding(
        category=finding.category,
        entities=list(finding.entities),
        confidence=finding.confidence,
        reason=finding.reason,
        replacement=finding.replacement,
    )


def wire_detection(result: ClearResult) -> IPDetection:
    """One cleared text as the wire's `IPDetection`: its action and every finding, unmerged."""
    return IPDetection(action=result.action, findings=[wire_finding(f) for f in result.findings])


def merge_findings(findings: list[Finding]) -> list[IPFinding]:
    """One wire finding per entity, highest confidence first seen kept."""
    merged: dict[tuple[str, str], IPFinding] = {}
    for finding in findings:
        key = (finding.category, finding.name)
        wire = wire_finding(finding)
        if key not in merged or wire.confidence > merged[key].confidence:
            merged[key] = wire
    return list(merged.values())


def detection(findings: list[Finding]) -> IPDetection:
    return IPDetection(action="flagged" if findings else "allowed", findings=merge_findings(findings))


class IPGuard:
    """Clears a generation's inputs and outputs with one `IPFilter`."""

    def __init__(
        self, ip_filter: IPFilter, lm: Any = None, rewrite: bool = False, rewrite_deadline_s: float = 10.0
    ):
        self.filter = ip_filter
        self.lm = lm
        self.rewrite = rewrite
        self.rewrite_deadline_s = rewrite_deadline_s

    async def clear_text(self, text: str, seed: int = 0) -> ClearResult:
        """One text cleared; a long one in a worker thread (`IPFilter.aclear`), off the event loop."""
        if self.rewrite and self.lm is not None:
            return await self.filter.clear_with_rewrite(text, self.lm, self.rewrite_deadline_s, seed=seed)
        return await self.filter.aclear(text)

    async def clear_inputs(self, ctx: ModeContext) -> None:
        """The spark, image descriptions and style examples, cleared before generation."""
        found: list[Finding] = []
        if ctx.spark:
            result = await self.filter.aclear(ctx.spark)
            ctx.spark = result.text
            found += result.findings
        examples = []
        for text in ctx.style_examples:
            result = await self.filter.aclear(text)
            examples.append(result.text)
            found += result.findings
        ctx.style_examples = examples
        descriptions = []
        for description in ctx.image_descriptions:
            changes = {}
            for key in DESCRIPTION_TEXT:
                if not getattr(description, key):
                    continue
                result = await self.filter.aclear(getattr(description, key))
                changes[key] = result.text
                found += result.findings
            descriptions.append(msgspec.structs.replace(description, **changes))
        ctx.image_descriptions = descriptions
        ctx.ip_findings.extend(found)

    async def clear_outputs(self, ctx: ModeContext, prompts: list[str]) -> tuple[list[str], IPDetection]:
        """Every prompt checked and cleared; the detection covers inputs and outputs."""
        found: list[Finding] = list(ctx.ip_findings)
        cleared: list[str] = []
        for index, prompt in enumerate(prompts):
            result = await self.clear_text(prompt, seed=ctx.seed + index)
            found += result.findings
            if not is_near_duplicate(result.text, cleared, threshold=1.01):
                cleared.append(result.text)
        return cleared, detection(found)
