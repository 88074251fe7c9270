"""Reports of one run: `summary.json`, `summary.md` (for pull requests) and a self-contained
`report.html` (tables, matplotlib plots embedded as base64 PNG, sample prompts per mode, the
input images of image cases and any images the run chained into an image backend).
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval import images
from eval import metrics as m
from eval.summary import BY_NAME, METRICS, TARGET_METRICS, aggregate, by_family, by_mode, fmt, summarize

SAMPLES_PER_MODE = 4
SCRIPTED_NOTE = ("Scripted backend: these scores measure the plumbing (requests, validation, repair, fallbacks, "
                 "seeds, reports), not a language model: its answers are canned, so a 1.000 here says nothing about "
                 "prompt quality; measure that with the embedded model (`python -m eval run`, `--backend local`) "
                 "or a real server (`--url`).")
RATE_METRICS = ("validity", "structure_coverage", "adherence", "diversity", "distinct_2", "prefix_fidelity",
                "determinism", "fallback_rate")


# ---- markdown -----------------------------------------------------------------------------------

def markdown(summary: dict[str, Any]) -> str:
    """Every metric per mode as a Markdown table, then timings per backend."""
    modes = list(summary["modes"])
    lines = ["## Evaluation summary", ""]
    if scripted(summary):
        lines += [f"> **{SCRIPTED_NOTE.split(': ', 1)[0]}:** {SCRIPTED_NOTE.split(': ', 1)[1]}", ""]
    lines += [f"- **{key}**: {value}" for key, value in header_items(summary.get("config") or {})]
    if lines[-1] != "":
        lines.append("")
    lines += ["| metric | " + " | ".join(modes) + " | all |", "|---" * (len(modes) + 2) + "|"]
    for metric in METRICS:
        cells = [fmt(summary["modes"][mode].get(metric.name), metric) for mode in modes]
        lines.append(f"| {metric.label} | " + " | ".join(cells) + f" | {fmt(summary['overall'].get(metric.name), metric)} |")
    counts = summary.get("counts", {})
    lines.append("| requests (errors) | " + " | ".join(
        f"{counts.get(mode, {}).get('requests', 0)} ({counts.get(mode, {}).get('errors', 0)})" for mode in modes)
        + f" | {sum(c.get('requests', 0) for c in counts.values())} |")
    families = summary.get("families") or {}
    if families:
        names = list(families)
        lines += ["", "### Target-model rules per family", "",
                  "Share of results that fit the family's rules (eval/target_rules.py).", "",
                  "| rule | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        for name in TARGET_METRICS:
            cells = [fmt(families[f].get(name), BY_NAME[name]) for f in names]
            lines.append(f"| {BY_NAME[name].label.removeprefix('target rules: ')} | " + " | ".join(cells) + " |")
        lines.append("| requests (prompts) | " + " | ".join(
            f"{families[f]['requests']} ({families[f]['prompts']})" for f in names) + " |")
    lines += ["", "| backend | requests | latency p50 (s) | latency p95 (s) | tokens/s |", "|---|---|---|---|---|"]
    for name, timing in summary.get("backends", {}).items():
        lines.append(f"| {name} | {timing['requests']} | {fmt(timing['latency_p50_s'], BY_NAME['latency_p50_s'])} | "
                     f"{fmt(timing['latency_p95_s'], BY_NAME['latency_p95_s'])} | "
                     f"{fmt(timing['tokens_per_s'], BY_NAME['tokens_per_s'])} |")
    return "\n".join(lines) + "\n"


def _target_text(target: dict[str, Any]) -> str:
    """The target in words: a URL, or "in-process local, model embedded" (settings apart)."""
    if target.get("url"):
        return str(target["url"])
    text = " ".join(str(p) for p in (target.get("target", "?"), target.get("backend", "")) if p)
    model = target.get("model") if target.get("backend") != "scripted" else None
    return text + (f", model {model}" if model else "")


def _settings_text(target: dict[str, Any]) -> str:
    """A target's setting overrides as `name=value` pairs (the backend is named by the target)."""
    overrides = {k: v for k, v in (target.get("overrides") or {}).items() if k != "lm_backend"}
    return ", ".join(f"{k}={v}" for k, v in sorted(overrides.items()))


def header_items(config: dict[str, Any]) -> list[tuple[str, str]]:
    """A run's configuration as (name, value) text for the reports' headers, in reading order."""
    if not config:
        return []
    items = [("suite", str(config.get("suite", "?")))]
    if config.get("num_results") is not None:
        items.append(("numResults", str(config["num_results"])))
    if config.get("seeds"):
        items.append(("seeds", ", ".join(str(s) for s in config["seeds"])))
    items += [(k, str(config[k])) for k in ("temperature", "top_p") if config.get(k) is not None]
    target = config.get("target") or {}
    if target:
        items.append(("target", _target_text(target)))
        if _settings_text(target):
            items.append(("settings", _settings_text(target)))
    return items


def scripted(summary: dict[str, Any]) -> bool:
    """Whether the run measured the scripted backend (named by the target or by every response)."""
    target = (summary.get("config") or {}).get("target") or {}
    if target.get("backend") == "scripted":
        return True
    names = [name for name in summary.get("backends", {}) if name != "unknown"]
    return bool(names) and all(name.partition(":")[0] == "scripted" for name in names)


# ---- plots --------------------------------------------------------------------------------------

def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def plots(rows: Sequence[dict[str, Any]], summary: dict[str, Any]) -> dict[str, str]:
    """Base64 PNGs: quality metrics per mode, latency per mode, adherence per mode."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    out: dict[str, str] = {}
    modes = list(summary["modes"])
    if not modes:
        return out
    fig, ax = plt.subplots(figsize=(9, 3.6))
    width = 0.8 / len(modes)
    x = np.arange(len(RATE_METRICS))
    for i, mode in enumerate(modes):
        vals = [summary["modes"][mode].get(name) for name in RATE_METRICS]
        ax.bar(x + i * width, [v if v is not None else 0 for v in vals], width, label=mode)
    ax.set_xticks(x + 0.4 - width / 2, [BY_NAME[n].label for n in RATE_METRICS], rotation=20, ha="right")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.set_title("quality metrics per mode (higher is better, except fallback rate)")
    out["quality"] = _png(fig)
    grouped = by_mode(rows)
    latency = {mode: [r["metrics"]["latency_s"] for r in grouped.get(mode, []) if "latency_s" in r["metrics"]]
               for mode in modes}
    if any(latency.values()):
        fig, ax = plt.subplots(figsize=(9, 3))
        names = [mode for mode in modes if latency[mode]]
        ax.boxplot([latency[mode] for mode in names], tick_labels=names, vert=False)
        ax.set_xlabel("seconds per request")
        ax.set_title("latency per mode")
        out["latency"] = _png(fig)
    adherence = {mode: [r["metrics"]["adherence"] for r in grouped.get(mode, [])
                        if r["metrics"].get("adherence") is not None] for mode in modes}
    if any(adherence.values()):
        fig, ax = plt.subplots(figsize=(9, 3))
        for mode in modes:
            if adherence[mode]:
                ax.hist(adherence[mode], bins=20, range=(0, 1), alpha=0.5, label=mode)
        ax.set_xlabel("cosine similarity between spark and result")
        ax.legend(fontsize=8)
        ax.set_title("spark adherence distribution")
        out["adherence"] = _png(fig)
    return out


# ---- html ---------------------------------------------------------------------------------------

STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:4px 8px}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.sample{border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:8px 0;display:flex;gap:12px}
.sample ol{margin:4px 0}.sample img{max-width:160px;max-height:160px;border-radius:4px}
.muted{color:#777;font-size:13px}.banner{border:2px solid #d08a00;background:#fff4d6;padding:8px 12px;border-radius:6px}
dl.header{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}dl.header dt{font-weight:600}
dl.header dd{margin:0}code{background:#f3f3f3;padding:1px 4px}mark{background:#ffd7a8}"""


def _esc(value: object) -> str:
    return html.escape(str(value))


def _summary_table(summary: dict[str, Any]) -> str:
    modes = list(summary["modes"])
    head = "".join(f"<th>{_esc(mode)}</th>" for mode in modes)
    body = []
    for metric in METRICS:
        cells = "".join(f"<td class=num>{fmt(summary['modes'][mode].get(metric.name), metric)}</td>"
                        for mode in modes)
        body.append(f"<tr><th style='text-align:left'>{_esc(metric.label)}</th>{cells}"
                    f"<td class=num>{fmt(summary['overall'].get(metric.name), metric)}</td></tr>")
    counts = summary.get("counts", {})
    cells = "".join(f"<td class=num>{counts.get(mode, {}).get('requests', 0)} "
                    f"({counts.get(mode, {}).get('errors', 0)})</td>" for mode in modes)
    body.append(f"<tr><th style='text-align:left'>requests (errors)</th>{cells}<td></td></tr>")
    return f"<table><tr><th>metric</th>{head}<th>all</th></tr>{''.join(body)}</table>"


def _backend_table(summary: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{_esc(name)}</td><td class=num>{t['requests']}</td>"
        f"<td class=num>{fmt(t['latency_p50_s'], BY_NAME['latency_p50_s'])}</td>"
        f"<td class=num>{fmt(t['latency_p95_s'], BY_NAME['latency_p95_s'])}</td>"
        f"<td class=num>{fmt(t['tokens_per_s'], BY_NAME['tokens_per_s'])}</td></tr>"
        for name, t in summary.get("backends", {}).items())
    return ("<table><tr><th>backend</th><th>requests</th><th>latency p50 (s)</th><th>latency p95 (s)</th>"
            f"<th>tokens/s</th></tr>{rows}</table>")


def _family_table(summary: dict[str, Any], rows: Sequence[dict[str, Any]]) -> str:
    """The target-model rules per family (rows written for a `targetModel`), or nothing."""
    families = summary.get("families") or {}
    if not families:
        return ""
    head = "".join(f"<th>{_esc(f)}</th>" for f in families)
    body = "".join(
        f"<tr><th style='text-align:left'>{_esc(BY_NAME[n].label.removeprefix('target rules: '))}</th>"
        + "".join(f"<td class=num>{fmt(v.get(n), BY_NAME[n])}</td>" for v in families.values()) + "</tr>"
        for n in TARGET_METRICS)
    body += ("<tr><th style='text-align:left'>requests (prompts)</th>"
             + "".join(f"<td class=num>{v['requests']} ({v['prompts']})</td>" for v in families.values()) + "</tr>")
    return (f"<h2>Target-model rules per family</h2><p class=muted>The share of results that fit the family's "
            f"rules (eval/target_rules.py); – = the rule was not asked of any case.</p>"
            f"<table><tr><th>rule</th>{head}</tr>{body}</table>{_target_violations(rows)}")


def _target_violations(rows: Sequence[dict[str, Any]]) -> str:
    """Every result that broke a family's rule, with the reasons."""
    items = []
    for family, group in by_family(rows).items():
        for row in group:
            flags = (row.get("metrics") or {}).get("target_flags") or {}
            for rule, per_prompt in flags.items():
                for index, reasons in per_prompt.items():
                    prompts = row.get("prompts") or []
                    prompt = prompts[int(index)] if int(index) < len(prompts) else ""
                    items.append(f"<li><b>{_esc(family)}</b> {_esc(rule)}: {_esc('; '.join(reasons))} "
                                 f"<span class=muted>in</span> {_esc(prompt)} <span class=muted>"
                                 f"({_esc(row['case_id'])})</span></li>")
    if not items:
        return "<p>Every result fits its family's rules.</p>" if rows else ""
    return f"<h3>Rule violations ({len(items)})</h3><ul>{''.join(items)}</ul>"


def _problems_table(rows: Sequence[dict[str, Any]]) -> str:
    counts: dict[str, Counter[str]] = {}
    for row in rows:
        counter = counts.setdefault(row["mode"], Counter())
        if row.get("status") != 200:
            counter[f"HTTP {row.get('status')}"] += 1
        if row.get("status") == 200 and len(row.get("prompts", [])) != row.get("num_results"):
            counter["numResults not honoured"] += 1
        for prompt in row.get("prompts", []):
            counter.update(m.prompt_problems(prompt))
    if not any(counts.values()):
        return "<p>No invalid prompt and no failed request.</p>"
    items = "".join(f"<tr><td>{_esc(mode)}</td><td>{_esc(problem)}</td><td class=num>{n}</td></tr>"
                    for mode, counter in counts.items() for problem, n in counter.most_common())
    return f"<table><tr><th>mode</th><th>problem</th><th>count</th></tr>{items}</table>"


DEFECT_LABELS = {"non_words": "non-words", "broken_phrases": "broken phrases",
                 "spark_conflicts": "spark conflicts", "internal_conflicts": "internal conflicts",
                 "irrelevant_phrases": "off-topic phrases"}
FLAGGED_PER_DETECTOR = 12  # examples listed per mode and detector


def _defects_section(rows: Sequence[dict[str, Any]]) -> str:
    """Per mode and detector, the prompts flagged and WHAT was flagged in each (highlighted)."""
    from eval.quality import flagged_items

    parts = []
    for mode, group in by_mode(rows).items():
        blocks = []
        for detector, label in DEFECT_LABELS.items():
            found = flagged_items(group, detector)
            if not found:
                continue
            items = []
            for row, index, flagged in found[:FLAGGED_PER_DETECTOR]:
                prompts = row.get("prompts") or []
                prompt = prompts[index] if index < len(prompts) else ""
                items.append(f"<li><b>{' · '.join(_esc(f) for f in flagged)}</b> <span class=muted>in</span> "
                             f"{_highlight(prompt, flagged)} <span class=muted>({_esc(row['case_id'])}: "
                             f"{_esc(row.get('spark') or '')})</span></li>")
            more = f"<li class=muted>… {len(found) - FLAGGED_PER_DETECTOR} more</li>" \
                if len(found) > FLAGGED_PER_DETECTOR else ""
            blocks.append(f"<h4>{_esc(label)} ({len(found)} prompts)</h4><ul>{''.join(items)}{more}</ul>")
        if blocks:
            parts.append(f"<h3>{_esc(mode)}</h3>{''.join(blocks)}")
    return "".join(parts) or "<p>No prompt was flagged.</p>"


def _highlight(prompt: str, flagged: Sequence[str]) -> str:
    """The prompt, escaped, with every flagged word or phrase (or quoted part of a conflict) marked."""
    import re

    needles = set()
    for item in flagged:
        quoted = re.findall(r"'([^']+)'", item)
        needles.update(quoted or [item])
    text = _esc(prompt)
    for needle in sorted((n for n in needles if n.strip()), key=len, reverse=True):
        text = re.sub(re.escape(_esc(needle)), lambda match: f"<mark>{match.group(0)}</mark>", text,
                      flags=re.IGNORECASE)
    return text


CATEGORY_METRICS = ("validity", "adherence", "structure_coverage", "diversity", "fallback_rate",
                    "broken_phrase_rate", "spark_conflict_rate")


def _category_table(rows: Sequence[dict[str, Any]]) -> str:
    """A few metrics per subject category (over every mode), to see where a recipe is weak."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row.get("category") or "(none)", []).append(row)
    if len(groups) < 2:
        return ""
    head = "".join(f"<th>{_esc(BY_NAME[n].label)}</th>" for n in CATEGORY_METRICS)
    body = "".join(
        f"<tr><td>{_esc(name)}</td><td class=num>{len(group)}</td>"
        + "".join(f"<td class=num>{fmt(aggregate(BY_NAME[n], group))}</td>" for n in CATEGORY_METRICS) + "</tr>"
        for name, group in sorted(groups.items()))
    return f"<h2>Per category (all modes)</h2><table><tr><th>category</th><th>requests</th>{head}</tr>{body}</table>"


def _thumbnail(ref: str) -> str:
    try:
        data = images.encode(images.load(ref, 160))
    except (images.ImageUnavailable, OSError):
        return ""
    return f"<img alt='{_esc(ref)}' src='data:image/jpeg;base64,{base64.b64encode(data).decode()}'>"


def _chained(row: dict[str, Any], out: Path) -> str:
    path = out / row["image_file"] if row.get("image_file") else None
    if path is None or not path.is_file():
        return ""
    return f"<img alt='generated' src='data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}'>"


def _samples(rows: Sequence[dict[str, Any]], out: Path) -> str:
    parts = []
    for mode, group in by_mode(rows).items():
        parts.append(f"<h3>{_esc(mode)}</h3>")
        for row in [r for r in group if r.get("status") == 200][:SAMPLES_PER_MODE] or group[:1]:
            picture = _thumbnail(row["image"]) if row.get("image") else ""
            prompts = "".join(f"<li>{_esc(p)}</li>" for p in row.get("prompts", [])) or \
                f"<li class=muted>{_esc(row.get('error'))}</li>"
            score = ", ".join(f"{k} {v:.2f}" for k, v in row["metrics"].items()
                              if v is not None and k in ("adherence", "structure_coverage", "diversity",
                                                         "prefix_fidelity", "latency_s"))
            parts.append(f"<div class=sample>{picture}<div><b>{_esc(row['case_id'])}</b>: "
                         f"<i>{_esc(row.get('spark') or '(no spark)')}</i><ol>{prompts}</ol>"
                         f"<span class=muted>{_esc(score)}</span></div>{_chained(row, out)}</div>")
    return "".join(parts)


def html_report(rows: Sequence[dict[str, Any]], summary: dict[str, Any], out: Path) -> str:
    """The whole report as one HTML string with every picture inlined."""
    figures = plots(rows, summary)
    pictures = "".join(f"<img alt='{name}' src='data:image/png;base64,{data}'><br>" for name, data in figures.items())
    config = json.dumps(summary.get("config", {}), indent=1)
    header = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in header_items(summary.get("config") or {}))
    banner = ""
    if scripted(summary):
        title, _, rest = SCRIPTED_NOTE.partition(": ")
        rest = re.sub(r"`([^`]+)`", r"<code>\1</code>", _esc(rest))
        banner = f"<p class=banner role=note><b>{_esc(title)}:</b> {rest}</p>"
    return (f"<!doctype html><html><head><meta charset=utf-8><title>promptgen evaluation</title>"
            f"<style>{STYLE}</style></head><body><h1>promptgen evaluation</h1>{banner}"
            f"<dl class=header>{header}</dl>"
            f"<h2>Metrics per mode</h2>{_summary_table(summary)}"
            f"<p class=muted>Definitions: eval/README.md. – = not applicable to the mode.</p>"
            f"{_family_table(summary, rows)}"
            f"<h2>Timings per backend</h2>{_backend_table(summary)}<h2>Plots</h2>{pictures}"
            f"{_category_table(rows)}<h2>Validity problems</h2>{_problems_table(rows)}"
            f"<h2>Prompt defects</h2><p class=muted>What the quality detectors flagged (eval/quality.py), "
            f"highlighted in each prompt.</p>{_defects_section(rows)}<h2>Samples</h2>{_samples(rows, out)}"
            f"<h2>Configuration</h2><pre>{_esc(config)}</pre></body></html>")


def write_reports(rows: Sequence[dict[str, Any]], out: Path, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write summary.json, summary.md and report.html into `out`; returns the summary."""
    summary = summarize(rows, config)
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    (out / "summary.md").write_text(markdown(summary), encoding="utf-8")
    (out / "report.html").write_text(html_report(rows, summary, out), encoding="utf-8")
    return summary
