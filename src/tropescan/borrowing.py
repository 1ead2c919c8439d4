"""Borrowed wording: which phrases of a script also stand in a reference work, and how much.

Input: two match texts (normalised, punctuation and genre stock lines removed; see
``chunks.match_text``), each with the source line every character came from. Output:
``BorrowedRun``s (the shared phrase, where it is on both sides) and the borrowed share.

Method ``borrowing.v1``:

* every ``PHRASE``-character window of both texts is hashed (64-bit polynomial, vectorised);
  a character of the script is *matched* when a window covering it also occurs in the
  reference;
* matched stretches separated by at most ``MAX_GAP`` unmatched characters are one run, so a
  changed word or an added particle inside a lifted sentence does not split it;
* a run counts when it has at least ``MIN_RUN`` matched characters: two unrelated scripts of
  one genre share many 5–6 character sequences by chance (我不会放过你 …), few runs of eight;
* the borrowed share is the share of the script's match characters inside counted runs.

A 1M-character novel is 1M hashes (8 MB), sorted once; a script is looked up against it with
one ``np.isin``. For a corpus index, ``fingerprints`` keeps a winnowed sample of the hashes
(one in about ``(WINNOW + 1) / 2``, every shared run of ``PHRASE + WINNOW − 1`` characters or
more is sure to leave one): the candidate filter that says which works to check exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chunks import CHUNK_KINDS, match_text
from .model import Script

METHOD = "borrowing.v1"
PHRASE = 6
MIN_RUN = 8
MAX_GAP = 2
WINNOW = 8
_BASE = np.uint64(0x100000001B3)


@dataclass(frozen=True, slots=True)
class MatchText:
    """A work's match text and, per character, the source line it came from."""

    text: str
    lines: np.ndarray  # int32, one source line per character

    @classmethod
    def from_lines(cls, lines: list[tuple[int, str]]) -> MatchText:
        text = "".join(t for _, t in lines)
        where = np.repeat(np.array([n for n, _ in lines], dtype=np.int32),
                          [len(t) for _, t in lines]) if lines else np.zeros(0, np.int32)
        return cls(text, where)

    def __len__(self) -> int:
        return len(self.text)


@dataclass(frozen=True, slots=True)
class BorrowedRun:
    """One shared phrase: its span in the script and where the same wording is in the
    reference (the first occurrence of the run's first shared window)."""

    start: int  # character offsets into the script's match text
    end: int
    matched: int  # characters inside shared windows (≤ end − start)
    ref_start: int
    ref_end: int
    text: str
    ref_text: str


def window_hashes(text: str, k: int = PHRASE) -> np.ndarray:
    """A 64-bit hash of every ``k``-character window (``len(text) − k + 1`` of them)."""
    if len(text) < k:
        return np.zeros(0, dtype=np.uint64)
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cp) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):  # wrapping multiplication is the hash
        for j in range(k):
            h = h * _BASE + cp[j:j + n] + np.uint64(j + 1)
        h ^= h >> np.uint64(31)
    return h


def fingerprints(text: str, k: int = PHRASE, window: int = WINNOW) -> np.ndarray:
    """Winnowed window hashes (the minimum of every ``window`` consecutive ones), unique,
    sorted, folded to 32 bits: a few KB per script for the index's candidate filter."""
    h = window_hashes(text, k)
    if len(h) == 0:
        return np.zeros(0, dtype=np.uint32)
    if len(h) > window:
        h = np.lib.stride_tricks.sliding_window_view(h, window).min(axis=1)
    return np.unique((h ^ (h >> np.uint64(32))).astype(np.uint32))


def matched_mask(query: np.ndarray, reference_sorted: np.ndarray, n_chars: int,
                 k: int = PHRASE) -> tuple[np.ndarray, np.ndarray]:
    """Per character of the query, whether a shared window covers it; and per window,
    whether it is shared."""
    hit = np.isin(query, reference_sorted, assume_unique=False) if len(query) else np.zeros(
        0, dtype=bool)
    cover = np.zeros(n_chars + 1, dtype=np.int32)
    starts = np.flatnonzero(hit)
    np.add.at(cover, starts, 1)
    np.add.at(cover, starts + k, -1)
    return np.cumsum(cover[:n_chars]) > 0, hit


def _runs(mask: np.ndarray) -> list[tuple[int, int, int]]:
    """Stretches of matched characters merged across gaps of ≤ ``MAX_GAP``: (start, end,
    matched characters), only those with ≥ ``MIN_RUN`` matched."""
    if not mask.any():
        return []
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    spans = edges.reshape(-1, 2)  # [start, end) of each matched stretch
    out: list[tuple[int, int, int]] = []
    s, e, m = int(spans[0, 0]), int(spans[0, 1]), int(spans[0, 1] - spans[0, 0])
    for a, b in spans[1:]:
        if a - e <= MAX_GAP:
            e, m = int(b), m + int(b - a)
        else:
            out.append((s, e, m))
            s, e, m = int(a), int(b), int(b - a)
    out.append((s, e, m))
    return [r for r in out if r[2] >= MIN_RUN]


class Reference:
    """A reference work prepared for lookups: its match text and sorted window hashes."""

    def __init__(self, text: MatchText):
        self.text = text
        h = window_hashes(text.text)
        self._order = np.argsort(h, kind="stable")
        self._sorted = h[self._order]

    def first_position(self, h: np.ndarray) -> np.ndarray:
        """Where each of the hashes ``h`` first occurs in the reference."""
        pos = np.searchsorted(self._sorted, h)
        pos = np.minimum(pos, max(len(self._sorted) - 1, 0))
        return self._order[pos] if len(self._order) else np.zeros(len(h), dtype=np.int64)

    def borrowed(self, query: MatchText) -> tuple[list[BorrowedRun], float]:
        """The counted runs of ``query`` shared with this reference, and the borrowed share
        (the share of the query's characters inside them)."""
        qh = window_hashes(query.text)
        mask, hit = matched_mask(qh, self._sorted, len(query))
        runs = []
        for s, e, m in _runs(mask):
            first = s + int(np.argmax(hit[s:e])) if hit[s:e].any() else s
            r0 = int(self.first_position(qh[first:first + 1])[0])
            r1 = min(len(self.text), r0 + (e - first))
            r0 = max(0, r0 - (first - s))
            runs.append(BorrowedRun(s, e, m, r0, r1, query.text[s:e], self.text.text[r0:r1]))
        share = sum(r.matched for r in runs) / max(1, len(query))
        return runs, share


def borrowed_share(query: MatchText, reference: MatchText) -> float:
    return Reference(reference).borrowed(query)[1]


def script_match_text(script: Script, stock: list[str]) -> MatchText:
    """The script's match text over the lines a copier lifts (dialogue, action, prose …),
    with the source line of every character."""
    return MatchText.from_lines([(ln.source_line, match_text(ln.norm, stock))
                                 for ln in script.lines if ln.kind in CHUNK_KINDS and ln.norm])
