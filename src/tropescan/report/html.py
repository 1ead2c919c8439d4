"""Self-contained HTML reports (jinja2, autoescaped): one page per script, and an index.

Everything a page needs is inside it — styles inline, charts as inline SVG (``charts.py``),
no script tags, no network. A Content-Security-Policy forbids scripts, so even text that
slipped past escaping could not run; all script text is escaped by jinja2's autoescape.

A page has a copies section between two marker comments (``COPIES_START``, ``COPIES_END``),
empty when the page is written. A batch learns which entries copy each other only after every
page is written, so ``set_copies`` renders that one template block (the ``copies`` block of
``report.html.j2``) and puts it between the markers of a written page: no script is analysed
twice. Submission text cannot forge a marker: escaped, ``<!--`` becomes ``&lt;!--``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from ..util import atomic_write_text, clock
from .charts import analysis_charts


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


def render_template(name: str, **context: Any) -> str:
    """Any page of ``templates/`` with ``context`` (autoescaped)."""
    return str(_env().get_template(name).render(**context))


def render_report(analysis: Any, *, plots: bool = True) -> str:
    evidence: dict[str, list[Any]] = defaultdict(list)
    for e in sorted(analysis.evidence_items, key=lambda e: -e.weight):
        evidence[e.trope].append(e)
    charts: dict[str, Any] = {"timeline_plot": None, "episode_plot": None, "trope_plot": None}
    if plots:
        drawn = analysis_charts(analysis)
        charts = {"timeline_plot": drawn["timeline"], "episode_plot": drawn["episodes"],
                  "trope_plot": drawn["tropes"]}
    return str(_env().get_template("report.html.j2").render(
        script=analysis.script, warnings=analysis.warnings, o=analysis.originality,
        tropes=analysis.trope_scores, evidence=evidence, pacing=analysis.pacing,
        episodes=analysis.episode_items, twists=analysis.twist_events,
        versions=analysis.versions, copies=None,
        part_help=analysis.originality.part_help if analysis.originality else {}, **charts))


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


COPIES_START = "<!-- tropescan:copies -->"
COPIES_END = "<!-- /tropescan:copies -->"


def render_copies(copies: dict[str, Any] | None) -> str:
    """The copies section of a page (``copies``: the entry's batch scores and ``links``, one per
    fellow submission it shares text with), markers included; only the markers for ``None``."""
    template = _env().get_template("report.html.j2")
    return "".join(template.blocks["copies"](template.new_context({"copies": copies})))


def set_copies(page: Path, copies: dict[str, Any] | None) -> None:
    """Replace the copies section of a written page (see the module docstring); a page written
    before the markers existed gets the section at the end."""
    html = page.read_text(encoding="utf-8")
    start = html.find(COPIES_START)
    end = html.find(COPIES_END, start) if start >= 0 else -1
    section = render_copies(copies)
    if start >= 0 and end >= 0:
        new = html[:start] + section + html[end + len(COPIES_END):]
    elif copies:
        new = html.replace("</body>", section + "\n</body>", 1)
    else:
        return
    if new != html:
        atomic_write_text(page, new)


def _histogram(scores: list[float], *, bins: int = 10, height: int = 120
               ) -> list[dict[str, Any]]:
    """Bars of an inline SVG histogram of 0–100 scores: count and geometry per bin."""
    width = 100 / bins
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, max(0, int(s // width)))] += 1
    top = max(counts) or 1
    return [{"lo": round(k * width), "hi": round((k + 1) * width), "n": n, "x": 40 + k * 56,
             "h": round(height * n / top, 1), "y": round(10 + height - height * n / top, 1)}
            for k, n in enumerate(counts)]


def _trope_shares(rows: list[dict[str, Any]]) -> list[tuple[str, int, float]]:
    ok = [r for r in rows if r.get("status") == "ok"]
    counts = Counter(t for r in ok for t in str(r.get("top_tropes") or "").split(";") if t)
    return [(t, n, n / len(ok)) for t, n in counts.most_common()]


def render_index(rows: list[dict[str, Any]], *, title: str, window_s: float,
                 versions: dict[str, str], pairs: list[dict[str, Any]] | tuple[()] = ()) -> str:
    """The batch's overview page: the ranked table (copy pairs flagged, both pages linked),
    a histogram of the scores, the trope shares and the copy pairs (``pairs``: one dict per pair
    with ``name_a/b``, ``path_a/b``, ``report_a/b``, ``cosine``, ``shared_passages``,
    ``share_a/b``)."""
    ok = sum(1 for r in rows if r.get("status") == "ok")
    partners: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in pairs:
        partners[p["path_a"]].append({"name": p["name_b"], "report": p["report_b"],
                                      "share": p["share_a"]})
        partners[p["path_b"]].append({"name": p["name_a"], "report": p["report_a"],
                                      "share": p["share_b"]})
    scores = [float(r["originality"]) for r in rows
              if r.get("status") == "ok" and r.get("originality") is not None]
    return str(_env().get_template("index.html.j2").render(
        rows=rows, title=title, ok=ok, failed=len(rows) - ok, window_s=window_s,
        versions=versions, pairs=list(pairs), partners=partners, bars=_histogram(scores),
        n_scores=len(scores), tropes=_trope_shares(rows)))
