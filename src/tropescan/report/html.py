"""Self-contained HTML reports (jinja2, autoescaped): one page per script, and an index.

Everything a page needs is inside it — styles inline, plots as PNG data URIs, no script tags,
no network. A Content-Security-Policy forbids scripts, so even text that slipped past escaping
could not run; all script text is escaped by jinja2's autoescape.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from ..util import atomic_write_text, clock
from .plots import to_data_uri


@cache
def _env() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("tropescan.report", "templates"),
        autoescape=True,  # every value is escaped: submissions are untrusted text
        undefined=jinja2.StrictUndefined,
    )
    env.globals["clock"] = clock
    return env


def render_report(analysis: Any, *, plots: bool = True) -> str:
    evidence: dict[str, list[Any]] = defaultdict(list)
    for e in sorted(analysis.evidence_items, key=lambda e: -e.weight):
        evidence[e.trope].append(e)
    images: dict[str, str | None] = {"timeline_plot": None, "episode_plot": None,
                                     "trope_plot": None}
    if plots:
        images = {"timeline_plot": to_data_uri(analysis.plot_timeline()),
                  "episode_plot": to_data_uri(analysis.plot_episodes()),
                  "trope_plot": to_data_uri(analysis.plot_tropes())}
    return str(_env().get_template("report.html.j2").render(
        script=analysis.script, warnings=analysis.warnings, o=analysis.originality,
        tropes=analysis.trope_scores, evidence=evidence, pacing=analysis.pacing,
        episodes=analysis.episode_items, twists=analysis.twist_events,
        versions=analysis.versions,
        part_help=analysis.originality.part_help if analysis.originality else {}, **images))


def report_name(script_id: str, path: str | None) -> str:
    """A file name that is safe on every OS and unique per source path."""
    import hashlib

    stem = re.sub(r"[^\w\-]+", "_", script_id)[:60] or "script"
    digest = hashlib.sha1((path or script_id).encode("utf-8")).hexdigest()[:6]
    return f"{stem}-{digest}.html"


def write_report(analysis: Any, folder: Path, *, plots: bool = True) -> Path:
    path = folder / report_name(analysis.script.id, analysis.script.path)
    atomic_write_text(path, render_report(analysis, plots=plots))
    return path


def render_index(rows: list[dict[str, Any]], *, title: str, window_s: float,
                 versions: dict[str, str]) -> str:
    ok = sum(1 for r in rows if r.get("status") == "ok")
    return str(_env().get_template("index.html.j2").render(
        rows=rows, title=title, ok=ok, failed=len(rows) - ok, window_s=window_s,
        versions=versions))
