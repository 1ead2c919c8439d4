"""``tropescan compare`` as text and as one HTML page, from ``Comparison.to_dict()``."""

from __future__ import annotations

from typing import Any

from .html import render_template
from .terminal import DEFAULT_WIDTH, clip_width

SHOWN_PASSAGES = 12
SHOWN_BEATS = 20


def _name(w: dict[str, Any]) -> str:
    return f"{w['title']} ({w['path'].rsplit('/', 1)[-1] or w['id']})"


def render_compare(d: dict[str, Any], width: int = DEFAULT_WIDTH) -> str:
    """The comparison as the terminal table: one figure a line, then the evidence."""
    t = d["trope_overlap"]
    bs = d["borrowed_share"]
    lines = [
        f"A  {_name(d['a'])}: {d['a']['episodes']} episodes, {d['a']['n_chars']} characters",
        f"B  {_name(d['b'])}: {d['b']['episodes']} episodes, {d['b']['n_chars']} characters",
        "",
        f"文本相似度 text similarity   {d['text_similarity']:.2f}  (TF-IDF cosine, 0–1)",
        f"借用措辞 borrowed wording    A in B {bs['a_in_b']:.1%} · B in A {bs['b_in_a']:.1%}"
        "  (share of the text in shared phrases of 8+ characters)",
        f"套路重合 trope overlap       {t['jaccard']:.2f}  shared: {', '.join(t['shared']) or '-'}"
        f"; only A: {', '.join(t['only_a']) or '-'}; only B: {', '.join(t['only_b']) or '-'}",
        f"情节骨架 plot similarity     {d['plot_similarity']:.2f}  ({len(d['beats'])} beats "
        "aligned in order; roles, not names)",
    ]
    passages = d["shared_passages"]
    if passages:
        lines += ["", f"共同段落 Shared passages ({len(passages)}; the longest "
                      f"{min(SHOWN_PASSAGES, len(passages))}):"]
        for p in sorted(passages, key=lambda p: -p["chars"])[:SHOWN_PASSAGES]:
            lines.append(clip_width(f"  A {p['a_lines']:>9}  {_flat(p['a_text'])}", width))
            lines.append(clip_width(f"  B {p['b_lines']:>9}  {_flat(p['b_text'])}", width))
    if d["beats"]:
        lines += ["", f"对齐情节 Aligned beats (the first {min(SHOWN_BEATS, len(d['beats']))} "
                      f"of {len(d['beats'])}):"]
        for b in [b for b in d["beats"] if b["a_text"]][:SHOWN_BEATS]:
            lines.append(clip_width(f"  {b['beat']:<14} A ep{b['a_episode']} {b['a_roles']:<5}"
                                    f" {_flat(b['a_text'])}", width))
            lines.append(clip_width(f"  {'':<14} B ep{b['b_episode']} {b['b_roles']:<5}"
                                    f" {_flat(b['b_text'])}", width))
    return "\n".join(lines)


def _flat(text: str) -> str:
    return " / ".join(x for x in text.splitlines() if x.strip())


def render_compare_html(d: dict[str, Any], versions: dict[str, str]) -> str:
    return render_template("compare.html.j2", c=d, versions=versions)
