"""Protected-IP detection and clearing for image prompts.

    from modes.ip import IPFilter
    f = IPFilter.default()            # shipped lexicon (+ optional custom entries file)
    f.check(text)                     # -> list[Finding], with offsets into text
    f.clear(text)                     # -> ClearResult: substituted text, findings, action
    await f.acheck(text); await f.aclear(text)   # the same; a long text in a worker thread
    await f.clear_with_rewrite(text, lm, deadline_s)   # optional model smoothing, fail closed

The lexicon is data (`lexicon.json`, built from the tables in `scripts/lexicon/` by
`scripts/build_lexicon.py`); see `detector.py` for matching and evasion handling and
`clear.py` for substitution. Results are this package's own dataclasses (`Finding`,
`ClearResult`); the service maps them to its wire types (`app/ip_guard.py`).
"""

from __future__ import annotations

from modes.ip.clear import ClearResult, IPFilter
from modes.ip.detector import Detector, Finding, Lexicon
from modes.ip.normalize import fold, fold_key

__all__ = ["ClearResult", "Detector", "Finding", "IPFilter", "Lexicon", "fold", "fold_key"]
