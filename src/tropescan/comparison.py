"""Two works side by side: ``tropescan compare A B`` and ``tropescan.compare(a, b)``.

Input: each work's ``Script``, tokens and trope scores; a background index for term weights
(the sample corpus by default: two works alone cannot tell genre words from distinctive
ones); the lexicon and the beat inventory. Output: a ``Comparison`` with

* ``text_similarity``: TF-IDF cosine of the two (the background's vocabulary and idf);
* ``borrowed_share``: the share of each work's match characters inside phrases shared with
  the other (``a_in_b``: of A's text, in phrases that also stand in B), with the shared
  passages side by side (``borrowing``);
* ``trope_overlap``: the present tropes both have, each alone, and their Jaccard;
* ``plot_similarity`` (0–1) and the aligned ``beats`` side by side (``skeleton``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .borrowing import METHOD as BORROWING_METHOD
from .borrowing import BorrowedRun, MatchText, Reference, script_match_text
from .chunks import match_data
from .corpus import CorpusIndex, trope_episodes
from .lexicon import Lexicon
from .model import Script
from .segment import Tokens
from .skeleton import METHOD as SKELETON_METHOD
from .skeleton import Beat, BeatInventory, Skeleton, align, extract, self_score
from .tropes import TropeScore

MAX_PASSAGES = 300
MAX_BEATS_SHOWN = 400


@dataclass(frozen=True, slots=True)
class Side:
    """One work to compare: its script, tokens and trope scores."""

    script: Script
    tokens: Tokens
    trope_scores: list[TropeScore]


@dataclass(frozen=True, slots=True)
class SharedPassage:
    a_lines: str
    a_text: str  # A's lines as written
    b_lines: str
    b_text: str
    phrase: str  # the shared wording as matched (normalised, punctuation removed)
    chars: int


@dataclass(frozen=True, slots=True)
class AlignedBeat:
    a_episode: int
    a_line: int
    b_episode: int
    b_line: int
    beat: str  # the beat type both lines hold
    a_roles: str  # "A>B": who does it to whom
    b_roles: str
    same_roles: bool
    a_text: str
    b_text: str


@dataclass
class Comparison:
    a: dict[str, Any]
    b: dict[str, Any]
    text_similarity: float
    borrowed_share: dict[str, float]
    shared_passages: list[SharedPassage]
    trope_overlap: dict[str, Any]
    plot_similarity: float
    beats: list[AlignedBeat]
    roles: dict[str, dict[str, str]] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=lambda: {
        "borrowing": BORROWING_METHOD, "skeleton": SKELETON_METHOD})

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``compare --format json``); keys as documented in docs/formats.md."""
        return {
            "a": self.a, "b": self.b, "text_similarity": self.text_similarity,
            "borrowed_share": self.borrowed_share,
            "shared_passages": [asdict(p) for p in self.shared_passages],
            "trope_overlap": self.trope_overlap, "plot_similarity": self.plot_similarity,
            "beats": [asdict(b) for b in self.beats], "roles": self.roles,
            "methods": self.methods,
        }


def _work(side: Side) -> dict[str, Any]:
    s = side.script
    return {"id": s.id, "title": s.title or s.id, "path": s.path or "", "format": s.format,
            "episodes": len(s.episodes), "n_chars": len(s.text),
            "tropes": [t.trope for t in side.trope_scores if t.present]}


def text_similarity(a: Side, b: Side, background: CorpusIndex | None, stock: list[str]
                    ) -> float:
    """Cosine of the two works' TF-IDF vectors under the background's weights."""
    ca = match_data(a.script, a.tokens, stock).counts
    cb = match_data(b.script, b.tokens, stock).counts
    if background is None or not len(background.vocab):
        return _plain_cosine(ca, cb)
    ia, va = background.query_vector(ca)
    ib, vb = background.query_vector(cb)
    common, xa, xb = np.intersect1d(ia, ib, return_indices=True)
    return round(float(np.dot(va[xa], vb[xb])) if len(common) else 0.0, 4)


def _plain_cosine(ca: dict[str, int], cb: dict[str, int]) -> float:
    dot = sum(v * cb.get(k, 0) for k, v in ca.items())
    na = sum(v * v for v in ca.values()) ** 0.5
    nb = sum(v * v for v in cb.values()) ** 0.5
    return round(dot / (na * nb), 4) if na and nb else 0.0


def _line_texts(script: Script, first: int, last: int) -> str:
    return "\n".join(ln.text for ln in script.lines if first <= ln.source_line <= last)


def _span(lines: np.ndarray) -> tuple[int, int]:
    return (int(lines.min()), int(lines.max())) if len(lines) else (0, 0)


def _passages(a: Side, ma: MatchText, b: Side, mb: MatchText, runs: list[BorrowedRun]
              ) -> list[SharedPassage]:
    """Runs as passages side by side; runs on the same lines of A are one passage."""
    merged: list[tuple[tuple[int, int], tuple[int, int], list[BorrowedRun]]] = []
    for r in runs:
        sa, sb = _span(ma.lines[r.start:r.end]), _span(mb.lines[r.ref_start:r.ref_end])
        if merged and sa[0] <= merged[-1][0][1] + 1:
            (a0, a1), (b0, b1), rs = merged[-1]
            merged[-1] = ((a0, max(a1, sa[1])), (min(b0, sb[0]), max(b1, sb[1])), [*rs, r])
        else:
            merged.append((sa, sb, [r]))
    return [SharedPassage(f"{a0}-{a1}", _line_texts(a.script, a0, a1), f"{b0}-{b1}",
                          _line_texts(b.script, b0, b1), " … ".join(r.text for r in rs),
                          sum(r.matched for r in rs))
            for (a0, a1), (b0, b1), rs in merged[:MAX_PASSAGES]]


def _roles(beat: Beat) -> str:
    return f"{beat.actor or '?'}>{beat.target or '?'}"


def _aligned(sa: Skeleton, sb: Skeleton, inv: BeatInventory) -> tuple[float, list[AlignedBeat]]:
    ca, cb = sa.codes(inv), sb.codes(inv)
    if not len(ca) or not len(cb):
        return 0.0, []
    score, pairs = align(ca, cb, trace=True)
    sim = round(min(1.0, score / max(1e-9, min(self_score(ca), self_score(cb)))), 4)
    out = []
    for i, j in pairs[:MAX_BEATS_SHOWN]:
        x, y = sa.beats[i], sb.beats[j]
        out.append(AlignedBeat(x.episode, x.line, y.episode, y.line, x.kind, _roles(x),
                               _roles(y), _roles(x) == _roles(y), x.text, y.text))
    return sim, out


def compare_works(a: Side, b: Side, *, lexicon: Lexicon, beats: BeatInventory,
                  background: CorpusIndex | None) -> Comparison:
    stock = list(lexicon.stock_lines)
    ma, mb = script_match_text(a.script, stock), script_match_text(b.script, stock)
    runs_a, share_a = Reference(mb).borrowed(ma)
    _, share_b = Reference(ma).borrowed(mb)
    ta = {t.trope for t in a.trope_scores if t.present}
    tb = {t.trope for t in b.trope_scores if t.present}
    ska = extract(a.script, beats, trope_episodes(a.trope_scores))
    skb = extract(b.script, beats, trope_episodes(b.trope_scores))
    plot, aligned = _aligned(ska, skb, beats)
    return Comparison(
        a=_work(a), b=_work(b),
        text_similarity=text_similarity(a, b, background, stock),
        borrowed_share={"a_in_b": round(share_a, 4), "b_in_a": round(share_b, 4)},
        shared_passages=_passages(a, ma, b, mb, runs_a),
        trope_overlap={"shared": sorted(ta & tb), "only_a": sorted(ta - tb),
                       "only_b": sorted(tb - ta),
                       "jaccard": round(len(ta & tb) / len(ta | tb), 4) if ta | tb else 0.0},
        plot_similarity=plot, beats=aligned,
        roles={"a": ska.roles, "b": skb.roles})
