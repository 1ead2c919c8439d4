"""Terminal rendering with rich: readable tables for people (stdout), nothing else."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table

from ..util import clock

DEFAULT_WIDTH = 110  # not on a terminal (a pipe, a file): the width of the golden outputs
MIN_WIDTH = 80
NARROW = 100  # below this the tropes table drops its lexicon and classifier columns


def terminal_width() -> int:
    """The terminal's width in columns (never under ``MIN_WIDTH``; ``DEFAULT_WIDTH`` when
    stdout is not a terminal, or from ``COLUMNS``)."""
    import shutil

    return max(MIN_WIDTH, shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns)


def _console(buf: io.StringIO, width: int = DEFAULT_WIDTH) -> Console:
    # Writers' text is full of [brackets]: never read it as rich markup.
    return Console(file=buf, width=width, force_terminal=False, color_system=None,
                   legacy_windows=False, soft_wrap=False, markup=False, highlight=False)


def render_parse(summary: dict[str, Any]) -> str:
    buf = io.StringIO()
    con = _console(buf)
    con.print(f"{summary['title']}  [{summary['format']}, {summary['encoding']}"
              f"{', Traditional' if summary['traditional'] else ''}"
              f"{', timed' if summary['timed'] else ', estimated times'}]")
    n = len(summary["episodes"])
    con.print(f"{n} episode{'s' if n != 1 else ''}, {clock(summary['duration_s'])} in all; "
              f"speakers: {'、'.join(summary['speakers'][:12]) or '-'}"
              f"{' …' if len(summary['speakers']) > 12 else ''}")
    table = Table(show_edge=False)
    for col in ("集 ep", "title", "scenes", "lines", "dialogue", "voice-over", "action",
                "other", "speakers", "duration"):
        table.add_column(col, justify="left" if col == "title" else "right")
    for ep in summary["episodes"]:
        k = ep["kinds"]
        spoken = k.get("dialogue", 0) + k.get("subtitle", 0)
        other = ep["lines"] - spoken - k.get("voiceover", 0) - k.get("action", 0)
        table.add_row(str(ep["episode"]), ep["title"] or "", str(ep["scenes"]), str(ep["lines"]),
                      str(spoken), str(k.get("voiceover", 0)), str(k.get("action", 0)),
                      str(other), str(ep["speakers"]), clock(ep["duration_s"]))
    con.print(table)
    return buf.getvalue().rstrip()


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def render_scan(analysis: Any, *, evidence_per_trope: int = 2,
                width: int = DEFAULT_WIDTH) -> str:
    """The writer's report: tropes with evidence, pacing, originality, reused passages.
    Fits ``width`` columns (Chinese counts two): under ``NARROW`` the tropes table keeps the
    score and drops the lexicon and classifier columns, so the evidence has room."""
    buf = io.StringIO()
    con = _console(buf, width)
    s = analysis.script
    con.print(f"━━ {s.title}  ({s.path or s.id}; {len(s.episodes)} 集 episodes, "
              f"{clock(s.duration_s)}{' timed' if s.timed else ' estimated'})")
    for w in analysis.warnings:
        con.print(f"   ! {w}")

    present = analysis.present_tropes
    con.print("\n套路 Tropes" + ("" if present else ": no formula trope found 未发现明显套路"))
    if present:
        wide = width >= NARROW
        t = Table(show_edge=False)
        columns = ("trope", "", "score", *(("lexicon", "classifier") if wide else ()),
                   "evidence (episode:line cue — text)")
        for col in columns:
            t.add_column(col, overflow="fold")
        for ts in present:
            ev = [e for e in analysis.evidence_items if e.trope == ts.trope]
            ev.sort(key=lambda e: -e.weight)
            lines = "\n".join(f"{e.episode}:{e.line} {e.cue} — {e.text[:38]}"
                              for e in ev[:evidence_per_trope])
            extra = ((f"{ts.lexicon_score:.2f}",
                      "-" if ts.classifier_prob is None else f"{ts.classifier_prob:.2f}")
                     if wide else ())
            t.add_row(ts.trope, ts.name_zh, f"{ts.score:.2f}", *extra, lines)
        con.print(t)

    p = analysis.pacing
    spt = p["seconds_per_twist"]
    con.print(f"\n反转节奏 Twists: {p['n_twists']} twists in {clock(p['duration_s'])} — "
              f"{p['density']:.2f} per {p['window_s']:.0f} s"
              f" (one every {spt:.0f} s)" if spt else "\n反转节奏 Twists: none found")
    con.print(f"   {_pct(p['window_share'])} of {p['window_s']:.0f}-second windows have a twist; "
              f"longest quiet stretch {p['longest_gap_s']:.0f} s; "
              f"{_pct(p['hook_share'])} of episodes end on a hook")
    t = Table(show_edge=False)
    for col in ("集 ep", "duration", "twists", f"per {p['window_s']:.0f}s", "windows hit",
                "first twist", "longest gap", "hook"):
        t.add_column(col, justify="right")
    for e in analysis.episode_items:
        t.add_row(str(e.episode), clock(e.duration_s), str(e.n_twists), f"{e.density:.2f}",
                  _pct(e.window_share),
                  "-" if e.first_twist_s is None else f"{e.first_twist_s:.0f}s",
                  f"{e.longest_gap_s:.0f}s", "yes" if e.ends_on_hook else "no")
    con.print(t)

    if analysis.originality is not None:
        _print_originality(con, analysis.originality)
    return buf.getvalue().rstrip()


def _table(columns: tuple[str, ...], rows: Any, *, fold: bool = False,
           no_wrap: bool = False) -> str:
    """A plain table of string cells, rendered to text (``no_wrap``: one line per row)."""
    buf = io.StringIO()
    t = Table(show_edge=False)
    for col in columns:
        t.add_column(col, overflow="fold" if fold else "ellipsis", no_wrap=no_wrap)
    for row in rows:
        t.add_row(*row)
    _console(buf).print(t)
    return buf.getvalue().rstrip()


def render_tropes(analysis: Any) -> str:
    return _table(
        ("trope", "套路", "score", "lexicon", "classifier", "present", "evidence", "集 episodes"),
        ((ts.trope, ts.name_zh, f"{ts.score:.3f}", f"{ts.lexicon_score:.3f}",
          "-" if ts.classifier_prob is None else f"{ts.classifier_prob:.3f}",
          "yes" if ts.present else "", str(ts.evidence_count), _where(ts.established))
         for ts in analysis.trope_scores), no_wrap=True)


def _where(established: str) -> str:
    """Where a trope is established, as a reader says it: 梗概 (the front matter) or 1-3."""
    return "梗概" if established == "0" else established


def render_frame(df: Any) -> str:
    """Any DataFrame as a plain table (a tagged catalogue)."""
    return _table(tuple(str(c) for c in df.columns),
                  ([str(v) for v in row] for row in df.itertuples(index=False)), fold=True)


def render_twists(analysis: Any) -> str:
    table = _table(("集 ep", "time", "line", "category", "score", "text"),
                   ((str(ev.episode), clock(ev.time_s), str(ev.line), ev.category,
                     f"{ev.score:.2f}", ev.text[:60]) for ev in analysis.twist_events), fold=True)
    p = analysis.pacing
    return (f"{table}\n{p['n_twists']} twists, {p['density']:.2f} per {p['window_s']:.0f} s; "
            f"{_pct(p['window_share'])} of windows hit; longest gap {p['longest_gap_s']:.0f} s")


def render_evidence(analysis: Any) -> str:
    return _table(("trope", "cue", "weight", "ep", "scene", "line", "text"),
                  ((e.trope, e.cue, f"{e.weight:.1f}", str(e.episode), str(e.scene), str(e.line),
                    e.text[:60]) for e in analysis.evidence_items), fold=True)


def _frame_table(con: Console, df: Any, title: str) -> None:
    t = Table(title=title, show_edge=False)
    for col in df.columns:
        t.add_column(str(col), justify="right" if df[col].dtype.kind in "fi" else "left")
    for row in df.itertuples(index=False):
        t.add_row(*[f"{v:.3f}" if isinstance(v, float) else str(v) for v in row])
    con.print(t)


def render_set_evaluation(r: dict[str, Any]) -> str:
    """Trope tagging on a labelled set, beside the name-in-text baseline."""
    m, b = r["model"], r["baseline"]
    rows = [(row["trope"], f"{row['precision']:.2f}", f"{row['recall']:.2f}", f"{row['f1']:.2f}",
             str(row["support"])) for row in m["table"]]
    lines = [_table(("trope", "precision", "recall", "f1", "support"), rows), "",
             f"tropes on the {r['set']} set ({r['works']} works): micro-F1 {m['micro_f1']:.3f} "
             f"(P {m['precision']:.3f}, R {m['recall']:.3f}), macro-F1 {m['macro_f1']:.3f}; "
             f"name-in-text baseline micro-F1 {b['micro_f1']:.3f}, macro-F1 "
             f"{b['macro_f1']:.3f}"]
    for kind, k in r["by_kind"].items():
        lines.append(f"  {kind}: {k['works']} works, micro-F1 {k['micro_f1']:.3f}, macro-F1 "
                     f"{k['macro_f1']:.3f} (baseline {k['baseline_micro_f1']:.3f})")
    for work, cuts in r["length_test"].items():
        lost = [c for c in cuts if c["lost"]]
        lines.append(f"  length test {work}: " + ", ".join(
            f"{c['episodes']} ep {len(c['tropes'].split(';')) if c['tropes'] else 0}"
            for c in cuts) + (f"; LOST {lost}" if lost else "; no trope lost"))
    return "\n".join(lines)


def render_twist_set_evaluation(r: dict[str, Any]) -> str:
    """Twist detection on a set's timed episodes, beside the three baselines."""
    rows = [(name, f"{d['precision']:.3f}", f"{d['recall']:.3f}", f"{d['f1_2s']:.3f}",
             f"{d['f1_line']:.3f}", f"{d['density_spearman']:.2f}", str(d["detections"]))
            for name, d in r["detectors"].items()]
    lines = [f"twists on the {r['set']} set: {r['series']} subtitle exports, {r['episodes']} "
             f"episodes, {next(iter(r['detectors'].values()))['labels']} gold twists",
             _table(("detector", "precision", "recall", "F1 within 2 s", "F1 within a line",
                     "density rank corr.", "detections"), rows)]
    if r["agreement"]:
        lines.append("annotators against each other (F1 within 2 s): " + ", ".join(
            f"{k} {v:.3f}" for k, v in r["agreement"].items()))
    return "\n".join(lines)


def render_evaluation(out: dict[str, Any]) -> str:
    buf = io.StringIO()
    con = _console(buf)
    if "tropes_set" in out:
        con.print(render_set_evaluation(out["tropes_set"]))
    if "twists_set" in out:
        con.print(render_twist_set_evaluation(out["twists_set"]))
    if "tropes" in out:
        r = out["tropes"]
        _frame_table(con, r["table"], "tropes: grouped cross-validation, combined decision")
        m = r["macro_f1"]
        con.print(f"macro F1: combined {m['combined']:.3f}, classifier alone "
                  f"{m['classifier']:.3f}, lexicon alone {m['lexicon']:.3f} "
                  f"({r['n_scripts']} scripts in {r['n_groups']} families)\n")
    if "twists" in out:
        r = out["twists"]
        _frame_table(con, r["table"], f"twists: {r['method']}, per category")
        o = r["overall"]
        con.print(f"overall: precision {o['precision']:.3f}, recall {o['recall']:.3f}, "
                  f"F1 {o['f1']:.3f} ({o['detections']} detections, {o['support']} labelled "
                  f"lines, {r['scripts']} scripts; a detection counts within one line)")
        con.print(f"episodes whose twist count is within 20% of the labels: "
                  f"{r['density_within_20pct']:.0%}; detected/labelled overall "
                  f"{r['detected_to_labelled']:.2f}")
        if r.get("agreement"):
            a = r["agreement"]
            con.print(f"annotators against each other ({a['annotators']} annotators, mean over "
                      f"pairs): F1 {a['f1']:.3f}; episodes within 20% "
                      f"{a['density_within_20pct']:.0%}")
    return buf.getvalue().rstrip()


def render_homogeneity(h: Any) -> str:
    buf = io.StringIO()
    con = _console(buf)
    s = h.summary()
    con.print(f"{s['n_works']} works: mean pairwise similarity {s['mean_similarity']:.3f}; "
              f"{s['near_duplicate_pairs']} near-duplicate pairs; trope concentration "
              f"HHI {s['herfindahl']:.3f} (entropy {s['entropy']:.2f}); compression "
              f"diversity {s['compression_diversity']:.3f} (lower = more repetitive)")
    t = Table(title="most common trope combinations 套路组合", show_edge=False)
    t.add_column("combination")
    t.add_column("works", justify="right")
    for c in s["top_combinations"]:
        t.add_row(c["tropes"], str(c["works"]))
    con.print(t)
    if h.pairs:
        t = Table(title="near-duplicate pairs 疑似雷同", show_edge=False)
        for col in ("work a", "work b", "cosine", "shared passages"):
            t.add_column(col)
        for p in h.pairs[:30]:
            t.add_row(f"{p['title_a']} ({p['work_a']})", f"{p['title_b']} ({p['work_b']})",
                      f"{p['cosine']:.2f}", str(p["shared_passages"]))
        con.print(t)
    return buf.getvalue().rstrip()


def render_windows(analysis: Any) -> str:
    """One row per window: the 15-second grid a writer checks the formula against."""
    return _table(("集 ep", "window", "from", "to", "twists", "categories"),
                  ((str(w.episode), str(w.index), clock(w.start_s),
                    clock(w.end_s) + (" (partial)" if w.partial else ""), str(w.n_twists),
                    w.categories) for w in analysis.window_items))


def clip_width(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns (Chinese counted as two), with an ellipsis."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _print_originality(con: Console, o: Any) -> None:
    """The originality lines of ``render_scan``: score and parts, nearest works by text and by
    plot, borrowed wording, the trope recipe, stock lines and reused passages."""
    parts = ", ".join(f"{k} {v:.2f}×{o.weights[k]:.2f}" for k, v in o.parts.items())
    con.print(f"\n原创度 Originality: {o.score:.0f}/100  ({parts}; against "
              f"{o.details['corpus_works']} works)")
    if o.nearest_items:
        near = "; ".join(f"{n.title} ({n.work_id}) {n.similarity:.2f}" for n in o.nearest_items[:3])
        con.print(f"   nearest works: {near}")
    if o.plot_items:
        near = "; ".join(f"{n.title} ({n.work_id}) {n.plot_similarity:.2f}"
                         for n in o.plot_items[:3])
        con.print(f"   nearest by plot 情节: {near}")
    if o.borrowed_items and o.borrowed_items[0].share >= 0.01:
        b = o.borrowed_items[0]
        con.print(f"   borrowed wording 借用措辞: {b.share:.0%} of the text in {b.runs} "
                  f"phrases shared with {b.title} ({b.work_id})")
    if o.details.get("combination"):
        con.print(f"   trope combination {o.details['combination']}: shared by "
                  f"{_pct(o.details['combination_share'])} of the corpus")
    if o.stock_items:
        stock = "、".join(dict.fromkeys(x.stock for x in o.stock_items))
        con.print(f"   genre stock lines 套话 ({len(o.stock_items)}): {stock}")
    if o.passage_items:
        con.print(f"\n疑似复用 Reused passages ({len(o.passage_items)}):")
        t = Table(show_edge=False)
        for col in ("this script", "", "corpus work", ""):
            t.add_column(col, overflow="fold", max_width=40)
        for pa in o.passage_items[:8]:
            t.add_row(f"ep {pa.episode} lines {pa.lines}\noverlap {pa.overlap:.0%}",
                      pa.text[:120], f"{pa.title} ({pa.work_id})\nep {pa.work_episode} "
                      f"lines {pa.work_lines}", pa.work_text[:120])
        con.print(t)
