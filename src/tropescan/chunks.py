"""Scene-sized chunks of a script and their MinHash signatures, for near-duplicate search.

Input: a ``Script`` and the lexicon's stock lines. Output: ``Chunk``s (where they sit, the
text to show, the text to match) and a ``(n_chunks, num_perm)`` uint32 signature array.

Chunks follow scenes: a scene is the unit a copier lifts. Long scenes are cut at line
boundaries near ``TARGET_CHARS``; chunks shorter than ``MIN_CHARS`` are too short to tell a copy
from a coincidence and are dropped. Genre stock lines (三年之期已到 …) are blanked out of the
match text first, so two scripts that share only the genre's clichés are not copies.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .minhash import signature
from .model import LineKind, Script
from .segment import features

if TYPE_CHECKING:
    from .segment import Tokens

TARGET_CHARS = 220
MIN_CHARS = 40
SHINGLE = 5
NUM_PERM = 64
MINHASH_SCHEME = "legacy-crc32"  # recorded in indexes: signatures of other schemes never mix
BANDS = 16  # 16 bands x 4 rows: a pair at Jaccard 0.5 is a candidate with p≈0.64 per chunk
CHUNK_KINDS = {LineKind.DIALOGUE, LineKind.VOICEOVER, LineKind.ACTION, LineKind.SUBTITLE,
               LineKind.PROSE}
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(slots=True)
class Chunk:
    episode: int
    scene: int
    line_start: int  # source lines
    line_end: int
    display: str  # the lines as written, joined by newlines
    match: str  # normalised, stock lines and punctuation removed


def match_text(norm: str, stock: list[str]) -> str:
    for line in stock:
        if line in norm:
            norm = norm.replace(line, " ")
    return _NON_WORD.sub("", norm)


def script_chunks(script: Script, stock: list[str]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for ep in script.episodes:
        for sc in ep.scenes:
            lines = [ln for ln in sc.lines if ln.kind in CHUNK_KINDS and ln.norm]
            buf: list = []
            size = 0
            for k, ln in enumerate(lines):
                buf.append(ln)
                size += len(_NON_WORD.sub("", ln.norm))
                if size >= TARGET_CHARS and len(lines) - k - 1 > 2:
                    chunks.append(_make(ep.number, sc.number, buf, stock))
                    buf, size = [], 0
            if buf:
                chunks.append(_make(ep.number, sc.number, buf, stock))
    return [c for c in chunks if len(c.match) >= MIN_CHARS]


def _make(episode: int, scene: int, lines: list, stock: list[str]) -> Chunk:
    return Chunk(episode, scene, lines[0].source_line, lines[-1].source_line,
                 "\n".join(ln.text for ln in lines),
                 match_text("".join(ln.norm for ln in lines), stock))


def signatures(chunks: list[Chunk], num_perm: int = NUM_PERM, seed: int = 1) -> np.ndarray:
    """MinHash signatures of character ``SHINGLE``-grams, one uint32 row per chunk
    (datasketch's legacy scheme with crc32, computed in numpy: see ``minhash.py``)."""
    out = np.zeros((len(chunks), num_perm), dtype=np.uint32)
    for i, chunk in enumerate(chunks):
        text = chunk.match
        shingles = {text[j:j + SHINGLE].encode("utf-8") for j in range(len(text) - SHINGLE + 1)}
        out[i] = signature(shingles, num_perm, seed)
    return out


def band_keys(sig: np.ndarray, bands: int = BANDS) -> np.ndarray:
    """One 64-bit key per band: the rows of each band hashed together."""
    n, perm = sig.shape
    rows = perm // bands
    view = sig.reshape(n, bands, rows).astype(np.uint64)
    keys = np.zeros((n, bands), dtype=np.uint64)
    mult = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for r in range(rows):
            keys = (keys ^ view[:, :, r]) * mult
            keys ^= keys >> np.uint64(29)
    return keys


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Share of equal MinHash values: row-wise for equal shapes, or ``a`` (1 row) vs many."""
    return (a == b).mean(axis=-1)


@dataclass(frozen=True, slots=True)
class MatchData:
    """What comparing one script with others takes, computed once per script: its
    content-word counts (for TF-IDF cosine), its scene chunks and their MinHash signatures.
    Originality and the index (and a batch's cross-submission check) share it."""

    counts: dict[str, int]
    chunks: list[Chunk]
    sig: np.ndarray


def match_data(script: Script, tokens: Tokens, stock: list[str]) -> MatchData:
    chunks = script_chunks(script, stock)
    return MatchData(dict(Counter(features(tokens.words))), chunks, signatures(chunks))

