"""`python -m eval run|compare|report|suites`: the offline evaluation harness (see eval/README.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from eval.cases import ALL_MODES, NAMED_SUITES, SUITE_MODES, SuiteError, load_suite
from modes import registry as mode_registry

EXIT_REGRESSION = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# In-process settings that differ from the service's defaults (a --set wins):
# - no seeded-result cache: it would answer the determinism repeats instead of the model;
# - generous deadlines: on a busy machine the service's 60 s / 120 s deadlines turn slowness into
#   504s and curated fallbacks, which would make quality depend on the machine's load.
IN_PROCESS_DEFAULTS = {"cache_entries": "0", "lm_timeout_s": "300", "request_timeout_s": "330"}


def _modes(text: str) -> tuple[str, ...]:
    if text == "all":
        return ALL_MODES
    modes = tuple(mode_registry.canonical(m.strip()) for m in text.split(",") if m.strip())
    unknown = [m for m in modes if m not in ALL_MODES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown mode(s) {unknown}; choose from {', '.join(ALL_MODES)} or all")
    return modes


def _seeds(text: str) -> tuple[int, ...]:
    try:
        seeds = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError("seeds are comma-separated integers, e.g. 0,1,2") from None
    if not seeds or any(not 0 <= s < 2**32 for s in seeds):
        raise argparse.ArgumentTypeError("give at least one seed in 0..2^32-1")
    return seeds


def _setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError("use KEY=VALUE, e.g. --set default_temperature=2.0")
    return key.strip(), value


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m eval", description=__doc__)
    sub = root.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run a suite against a target and write results and reports")
    run.add_argument("--suite", default="default",
                     help=f"{', '.join(NAMED_SUITES)}, or a path to a .jsonl file (default: default)")
    run.add_argument("--modes", type=_modes, help="comma-separated modes, or all (default; the ip suite: completion)")
    run.add_argument("-n", "--num-results", type=int, default=3, choices=range(1, 6), metavar="1-5",
                     help="numResults of every request (default 3; diversity needs 2 or more)")
    run.add_argument("--seeds", type=_seeds, default=(0,), help="comma-separated seeds; one request per seed")
    run.add_argument("--limit", type=int, help="run only the first N cases of the suite")
    run.add_argument("--out", type=Path, help="output folder (default eval-runs/<suite>-<backend>); "
                                              "re-running into it resumes")
    run.add_argument("--fresh", action="store_true", help="discard results already in --out")
    target = run.add_argument_group("target (in-process by default)")
    target.add_argument("--url", help="a running service, e.g. http://127.0.0.1:8000")
    target.add_argument("--api-key", default="", help="API key for --url")
    target.add_argument("--backend", help="in-process language-model backend: local (default), scripted, openai")
    target.add_argument("--model", help="in-process PROMPTGEN_LM_MODEL")
    target.add_argument("--set", dest="settings", type=_setting, action="append", default=[], metavar="KEY=VALUE",
                        help="in-process setting override (a Settings field), repeatable")
    recipe = run.add_argument_group("request recipe")
    recipe.add_argument("--temperature", type=float, help="send this temperature with every request")
    recipe.add_argument("--top-p", type=float, help="send this topP with every request")
    run.add_argument("--concurrency", type=int, default=1, help="requests in flight at once (default 1)")
    run.add_argument("--determinism", type=int, default=1, metavar="N",
                     help="per mode, send the first N requests twice to check seed determinism (default 1)")
    run.add_argument("--warmup", type=int, default=1, metavar="N",
                     help="untimed requests per mode sent first, so latency excludes first-call costs "
                          "(default 1)")
    run.add_argument("--chain-images", action="store_true",
                     help="also render each request's first prompt with the target's image backend")
    run.add_argument("--timeout", type=float, default=180.0, help="seconds per request (default 180)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")

    cmp = sub.add_parser("compare", help="compare run B against run A; exit 1 on a regression")
    cmp.add_argument("a", type=Path, help="baseline run folder")
    cmp.add_argument("b", type=Path, help="candidate run folder")
    cmp.add_argument("--markdown", type=Path, help="also write the comparison as Markdown to this file")
    cmp.add_argument("--changes-only", action="store_true", help="list only regressions and improvements")
    cmp.add_argument("--gate-timings", action="store_true", help="latency and tokens/s regressions fail too")
    cmp.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default 2000)")
    cmp.add_argument("--no-ceilings", action="store_true",
                     help="do not hold B to the absolute ceilings of eval/summary.py (CEILINGS)")

    rep = sub.add_parser("report", help="rewrite summary.json, summary.md and report.html of a run folder")
    rep.add_argument("run", type=Path)
    rep.add_argument("--rescore", action="store_true",
                     help="recompute every row's metrics first (after a metric definition changed)")

    sub.add_parser("suites", help="list the named suites and their case counts")
    return root


def _default_out(args: argparse.Namespace) -> Path:
    where = "url" if args.url else (args.backend or "default")
    return Path("eval-runs") / f"{Path(args.suite).stem}-{where}"


def _target(args: argparse.Namespace) -> Any:
    from eval.targets import HttpTarget, InProcessTarget

    if args.url:
        return HttpTarget(args.url, api_key=args.api_key, timeout_s=args.timeout)
    overrides: dict[str, Any] = dict(args.settings)
    from app.settings import Settings

    for name, value in IN_PROCESS_DEFAULTS.items():
        if name in Settings.__struct_fields__:
            overrides.setdefault(name, value)
    if args.backend:
        overrides["lm_backend"] = args.backend
    if args.model:
        overrides["lm_model"] = args.model
    return InProcessTarget(overrides, timeout_s=args.timeout)


def cmd_run(args: argparse.Namespace) -> int:
    from eval.embeddings import shared
    from eval.report import markdown, write_reports
    from eval.runner import ResumeConflict, RunAborted, RunConfig, prepare_output, run

    cases = load_suite(args.suite, args.limit)
    target = _target(args)
    modes = args.modes or SUITE_MODES.get(args.suite, ALL_MODES)
    config = RunConfig(suite=args.suite, modes=modes, num_results=args.num_results, seeds=args.seeds,
                       concurrency=args.concurrency, limit=args.limit, determinism=args.determinism,
                       temperature=args.temperature, top_p=args.top_p, chain_images=args.chain_images,
                       target=target.describe())
    out = args.out or _default_out(args)
    if config.target.get("backend") == "scripted":  # said before the run, and atop its reports
        from eval.report import SCRIPTED_NOTE

        print(f"note: {SCRIPTED_NOTE}", file=sys.stderr)
    try:
        store = prepare_output(out, config, fresh=args.fresh)
    except ResumeConflict as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    embed = shared()
    from eval.quality import shared_lm_ends

    async def main() -> list[dict[str, Any]]:
        async with target:
            # after the target started: an in-process run has just cached the embedded model
            return await run(cases, config, target, store, embed, progress=not args.no_progress,
                             warmup=args.warmup, lm_ends=shared_lm_ends())

    try:
        rows = asyncio.run(main())
    except KeyboardInterrupt:
        print(f"\ninterrupted: {len(store.rows)} results kept in {out}; run the same command to resume",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except RunAborted as exc:
        print(f"error: {exc}; results so far are in {out}, re-run to resume", file=sys.stderr)
        return EXIT_REGRESSION
    import msgspec

    summary = write_reports(rows, out, msgspec.to_builtins(config))
    print(markdown(summary))
    print(f"results: {out / 'results.jsonl'}\nreport:  {out / 'report.html'}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from eval.compare import (
        ceiling_breaches,
        ceiling_table,
        compare,
        config_warnings,
        failed,
        load_rows,
        table,
    )

    rows_a, config_a = load_rows(args.a)
    rows_b, config_b = load_rows(args.b)
    for note in config_warnings(config_a, config_b):
        print(f"warning: {note}", file=sys.stderr)
    changes = compare(rows_a, rows_b, gate_timings=args.gate_timings, resamples=args.resamples)
    print(table(changes, only_changes=args.changes_only), end="")
    over = [] if args.no_ceilings else ceiling_breaches(rows_b)
    if over:
        print("\n" + ceiling_table(over), end="")
    if args.markdown:
        args.markdown.write_text(f"## eval compare: `{args.a}` → `{args.b}`\n\n"
                                 + table(changes, markdown=True, only_changes=args.changes_only)
                                 + (f"\n### Ceilings breached by `{args.b}`\n\n" + ceiling_table(over, markdown=True)
                                    if over else ""), encoding="utf-8")
    gated = [c for c in changes if c.gating]
    print(f"\n{sum(c.verdict == 'regression' for c in gated)} regression(s), "
          f"{sum(c.verdict == 'improvement' for c in gated)} improvement(s); timings not gated: "
          f"{sum(c.verdict == 'regression' for c in changes if not c.gating)} slower, "
          f"{sum(c.verdict == 'improvement' for c in changes if not c.gating)} faster; "
          f"{len(over)} ceiling(s) breached")
    return EXIT_REGRESSION if failed(changes) or over else 0


def cmd_report(args: argparse.Namespace) -> int:
    from eval.compare import load_rows
    from eval.report import markdown, write_reports

    rows, config = load_rows(args.run)
    if args.rescore:
        from eval.embeddings import shared
        from eval.quality import shared_lm_ends
        from eval.runner import ResultStore, rescore

        rescore(rows, shared(), config.get("word_limit", 75), shared_lm_ends())
        ResultStore(args.run / "results.jsonl").rewrite(rows)
    print(markdown(write_reports(rows, args.run, config)))
    return 0


def cmd_suites(args: argparse.Namespace) -> int:
    for name in NAMED_SUITES:
        try:
            cases = load_suite(name)
        except SuiteError as exc:
            print(f"{name:8} unavailable: {exc}")
            continue
        kinds: dict[str, int] = {}
        for case in cases:
            kinds[case.kind] = kinds.get(case.kind, 0) + 1
        print(f"{name:8} {len(cases):4} cases  {json.dumps(kinds)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    commands = {"run": cmd_run, "compare": cmd_compare, "report": cmd_report, "suites": cmd_suites}
    try:
        return commands[args.command](args)
    except (SuiteError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
