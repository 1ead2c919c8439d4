"""Plot skeletons: a name-invariant sequence of beats, and how alike two of them are.

Input: a ``Script`` (and, when known, its trope scores and the twist lexicon). Output: a
``Skeleton``, its beats in story order, each a situation (``lexicons/beats.toml``: a slap, a
divorce, a poisoning, an identity revealed …, plus the twist categories of ``twists.toml``)
with *who* does it to *whom* as roles, never names: the characters ranked by how much they
speak and are named (``A`` the most, then ``B`` … ``F``; ``X`` anyone else). A retelling with
every name changed and every line reworded keeps the same beats in the same order; two stories
built from the same tropes share beat types but not their order.

Similarity (method ``skeleton.v1``): local alignment (Smith–Waterman) of the two beat
sequences. Aligning two beats scores ``MATCH`` for the same situation, plus ``ROLE_BONUS``
each for the same actor and the same target role; a different situation costs ``MISMATCH``,
a skipped beat ``GAP``. Roles weigh more than the situation: formula stories share their
situations (a humiliation, a slap, a reveal), a retelling also keeps who does them to whom
(on the sample corpus and the retellings of ``corpora_dev/originality``: retellings 0.35–0.65,
the most alike of other stories with the same tropes 0.05–0.10). The best alignment's score divided by the shorter skeleton's score
against itself is the plot similarity (0–1). ``vector`` gives each skeleton a bag of beat
trigrams: the cheap first pass that picks which works of a big index to align with.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ._resources import lexicon_dir
from .lexicon import Lexicon
from .model import LineKind, Script
from .util import fingerprint, parse_toml

METHOD = "skeleton.v1"
ROLES = "ABCDEF"
MATCH, ROLE_BONUS, MISMATCH, GAP = 0.5, 1.0, -0.8, -0.5
# The recurrences run in tenths of a point: whole numbers, which float32 adds exactly, so a
# score does not depend on which side is the rows or in what order a path was summed.
_UNIT = 10
_MATCH, _BONUS, _MISMATCH, _GAP = (float(round(x * _UNIT)) for x in (MATCH, ROLE_BONUS, MISMATCH, GAP))
REMAP_FROM = 0.05  # below this, two skeletons share too little for a role mapping to matter
MAX_BEATS_PER_LINE = 2
MAX_BEATS = 6000  # an alignment is n × m cells: 6000 beats is a 150-episode script
TRACE_BATCH_CELLS = 4_000_000  # 16 MB of float32: above this, role maps are traced one by one
BEAT_KINDS = {LineKind.DIALOGUE, LineKind.VOICEOVER, LineKind.ACTION, LineKind.SUBTITLE,
              LineKind.PROSE}


@dataclass(frozen=True, slots=True)
class BeatType:
    id: str
    name_zh: str
    cues: tuple[str, ...]


@dataclass(frozen=True)
class BeatInventory:
    """The beat types (situations, then ``twist_<category>``, then ``trope_<id>``) and a cue
    matcher over them (built once per inventory)."""

    types: tuple[BeatType, ...]
    version: str

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.types]

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        cues = sorted({c for t in self.types for c in t.cues if c}, key=len, reverse=True)
        return re.compile("|".join(re.escape(c) for c in cues)) if cues else re.compile(r"(?!)")

    @cached_property
    def codes(self) -> dict[str, int]:
        return {t.id: i for i, t in enumerate(self.types)}

    @cached_property
    def cue_types(self) -> dict[str, tuple[int, ...]]:
        out: dict[str, list[int]] = {}
        for i, t in enumerate(self.types):
            for c in t.cues:
                out.setdefault(c, []).append(i)
        return {c: tuple(v) for c, v in out.items()}

    def code(self, beat_id: str) -> int:
        return self.codes[beat_id]


def load_beats(lexicon: Lexicon | None = None) -> BeatInventory:
    """The shipped beat types, plus the twist categories and tropes of ``lexicon``."""
    path = lexicon_dir() / "beats.toml"
    raw = path.read_bytes()
    data = parse_toml(raw)
    types = [BeatType(k, v.get("name_zh", k), tuple(v.get("cues", ())))
             for k, v in data.get("beats", {}).items()]
    parts = [raw]
    if lexicon is not None:
        types += [BeatType(f"twist_{k}", c.name_zh, tuple(c.cues))
                  for k, c in sorted(lexicon.twists.items())]
        types += [BeatType(f"trope_{k}", t.name_zh, ()) for k, t in sorted(lexicon.tropes.items())]
        parts.append(lexicon.version.encode())
    return BeatInventory(tuple(types), fingerprint(parts))


@dataclass(frozen=True, slots=True)
class Beat:
    episode: int
    line: int  # source line
    kind: str  # beat type id
    actor: str  # role letter, "X" or ""
    target: str
    text: str  # the line as written


@dataclass
class Skeleton:
    beats: list[Beat]
    roles: dict[str, str] = field(default_factory=dict)  # character name -> role
    method: str = METHOD

    def codes(self, inv: BeatInventory) -> np.ndarray:
        """One uint16 per beat: type × 64 + actor × 8 + target (roles 1–6, 7 = X, 0 none)."""
        return encode(inv, self.beats)

    def __len__(self) -> int:
        return len(self.beats)


def _role_code(role: str) -> int:
    return 0 if not role else (7 if role == "X" else ROLES.index(role) + 1)


def encode(inv: BeatInventory, beats: Sequence[Beat]) -> np.ndarray:
    codes = inv.codes
    return np.array([codes[b.kind] * 64 + _role_code(b.actor) * 8 + _role_code(b.target)
                     for b in beats], dtype=np.uint16)


def _characters(script: Script) -> dict[str, str]:
    """Character name -> role, by lines spoken plus times named."""
    names = [n for n in script.speakers if 2 <= len(n) <= 6]
    counts: Counter[str] = Counter()
    for line in script.lines:
        if line.speaker:
            for n in line.speaker.split("、"):
                counts[n.strip()] += 1
    found = _counts(script.text, names)
    for n in names:
        counts[n] += found[n]
    known = set(names)
    ranked = [n for n, _ in counts.most_common() if n in known]
    return {n: (ROLES[i] if i < len(ROLES) else "X") for i, n in enumerate(ranked)}


def _counts(text: str, names: list[str]) -> dict[str, int]:
    """``text.count(n)`` for every name (non-overlapping, as ``str.count``) in one
    Aho-Corasick pass: a long script has hundreds of speakers, each a full scan."""
    import ahocorasick_rs

    unique = sorted(set(names))
    out = dict.fromkeys(unique, 0)
    if not unique or not text:
        return out
    automaton = ahocorasick_rs.AhoCorasick(unique, matchkind=ahocorasick_rs.MATCHKIND_STANDARD)
    free = dict.fromkeys(unique, 0)  # where each name's next counted occurrence may start
    for k, start, end in sorted(automaton.find_matches_as_indexes(text, overlapping=True),
                                key=lambda m: m[1]):
        name = unique[k]
        if start >= free[name]:
            out[name] += 1
            free[name] = end
    return out


def _aliases(roles: dict[str, str]) -> list[tuple[str, str]]:
    """Names and given names (林小舟 -> 小舟) to look for in a line, longest first."""
    out: dict[str, str] = {}
    for name, role in roles.items():
        out.setdefault(name, role)
        if len(name) >= 3:
            out.setdefault(name[-2:], role)
    return sorted(out.items(), key=lambda kv: len(kv[0]), reverse=True)


def _alias_pattern(aliases: list[tuple[str, str]]) -> re.Pattern[str] | None:
    return re.compile("|".join(re.escape(a) for a, _ in aliases)) if aliases else None


def _named(text: str, pattern: re.Pattern[str] | None, role_of: dict[str, str]) -> list[str]:
    """The roles named in ``text``, in order of first mention."""
    if pattern is None:
        return []
    return list(dict.fromkeys(role_of[m.group()] for m in pattern.finditer(text)))


def extract(script: Script, inv: BeatInventory, trope_episodes: dict[str, int] | None = None
            ) -> Skeleton:
    """The beats of ``script`` in order; ``trope_episodes``: trope id -> the episode it is
    established in (a beat there)."""
    roles = _characters(script)
    aliases = _aliases(roles)
    names, role_of = _alias_pattern(aliases), dict(aliases)
    cue_types = inv.cue_types
    pattern = inv.pattern
    beats: list[Beat] = []
    trope_at = sorted((ep, t) for t, ep in (trope_episodes or {}).items())
    prev_speaker = ""
    for ep, _, line in script.iter_lines():
        while trope_at and trope_at[0][0] <= ep.number:
            beats.append(Beat(trope_at[0][0], line.source_line, f"trope_{trope_at[0][1]}",
                              "", "", ""))
            trope_at.pop(0)
        if line.kind not in BEAT_KINDS or not line.norm:
            continue
        speaker = roles.get((line.speaker or "").split("、")[0].strip(), "")
        kinds: list[int] = []
        for m in pattern.finditer(line.norm):
            for k in cue_types.get(m.group(), ()):
                if k not in kinds:
                    kinds.append(k)
        if kinds:
            named = [r for r in _named(line.norm, names, role_of) if r != speaker]
            actor = speaker or (named.pop(0) if named else "")
            target = named[0] if named else (prev_speaker if speaker and prev_speaker != speaker
                                             else "")
            for k in kinds[:MAX_BEATS_PER_LINE]:
                beats.append(Beat(ep.number, line.source_line, inv.types[k].id, actor, target,
                                  line.text))
        if speaker:
            prev_speaker = speaker
    beats += [Beat(ep, 0, f"trope_{t}", "", "", "") for ep, t in trope_at]
    return Skeleton(beats[:MAX_BEATS], roles)


# -- similarity ------------------------------------------------------------------------------

def _score_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ta, tb = (a >> 6)[:, None], (b >> 6)[None, :]
    same = ta == tb
    aa, ab = ((a >> 3) & 7)[:, None], ((b >> 3) & 7)[None, :]
    xa, xb = (a & 7)[:, None], (b & 7)[None, :]
    bonus = _BONUS * (((aa == ab) & (aa > 0)).astype(np.float32)
                      + ((xa == xb) & (xa > 0)).astype(np.float32))
    return np.where(same, _MATCH + bonus, _MISMATCH).astype(np.float32)


def self_score(codes: np.ndarray) -> float:
    """A skeleton aligned with itself: every beat matched with its own roles."""
    c = np.asarray(codes)
    return float(MATCH * len(c) + ROLE_BONUS * (((c >> 3) & 7) > 0).sum()
                 + ROLE_BONUS * ((c & 7) > 0).sum())


def align(a: np.ndarray, b: np.ndarray, *, trace: bool = False
          ) -> tuple[float, list[tuple[int, int]]]:
    """Best local alignment score of two code sequences, and (with ``trace``) the aligned
    index pairs. Row by row in numpy: the in-row gap recurrence is a running maximum."""
    n, m = len(a), len(b)
    if not n or not m:
        return 0.0, []
    if n > m:  # the loop runs over rows: make them the shorter side (the score is symmetric)
        score, pairs = align(b, a, trace=trace)
        return score, [(i, j) for j, i in pairs]
    s = _score_matrix(np.asarray(a), np.asarray(b))
    idx = np.arange(m + 1, dtype=np.float32) * _GAP
    prev = np.zeros(m + 1, dtype=np.float32)
    rows = np.zeros((n + 1, m + 1), dtype=np.float32) if trace else None
    best, best_at = 0.0, (0, 0)
    for i in range(1, n + 1):
        cur = np.zeros(m + 1, dtype=np.float32)
        cur[1:] = np.maximum(prev[:-1] + s[i - 1], prev[1:] + _GAP)
        cur = np.maximum(cur, 0.0)
        # gaps along the row: cur[j] = max(cur[j], cur[k] + GAP·(j − k)) for k < j
        cur = np.maximum(cur, np.maximum.accumulate(cur - idx) + idx)
        j = int(np.argmax(cur))
        if cur[j] > best:
            best, best_at = float(cur[j]), (i, j)
        if rows is not None:
            rows[i] = cur
        prev = cur
    pairs = _traceback(rows, s, best_at) if rows is not None else []
    return best / _UNIT, pairs


def _close(x: float, y: float) -> bool:
    """``np.isclose(x, y)`` on Python floats (a scalar numpy call costs ~10 µs a step)."""
    return abs(x - y) <= 1e-8 + 1e-5 * abs(y)


def _traceback(h: np.ndarray, s: np.ndarray, end: tuple[int, int]) -> list[tuple[int, int]]:
    i, j = end
    out: list[tuple[int, int]] = []
    here = float(h[i, j])
    while i > 0 and j > 0 and here > 0:
        diag = float(s[i - 1, j - 1])
        if _close(here, float(h[i - 1, j - 1] + s[i - 1, j - 1])):
            if diag > 0:
                out.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif _close(here, float(h[i - 1, j] + np.float32(_GAP))):
            i -= 1
        else:
            j -= 1
        here = float(h[i, j])
    return out[::-1]


def _traced_many(a: np.ndarray, bs: Sequence[np.ndarray]) -> list[list[tuple[int, int]]]:
    """``align(a, b, trace=True)[1]`` for every (non-empty) ``b``: the same cells in one batch
    (each pair in ``align``'s orientation, the shorter side as rows, both sides padded), the
    same first-best end cell and traceback. Falls back to one by one when the batch's cells
    would not fit in ``TRACE_BATCH_CELLS``."""
    pairs = [(a, b, False) if len(a) <= len(b) else (b, a, True) for b in bs]
    rows_n = max(len(r) for r, _, _ in pairs)
    cols_n = max(len(c) for _, c, _ in pairs)
    k = len(pairs)
    if (rows_n + 1) * k * (cols_n + 1) > TRACE_BATCH_CELLS:
        return [align(a, b, trace=True)[1] for b in bs]
    s = np.full((rows_n, k, cols_n), _MISMATCH, dtype=np.float32)
    for q, (r, c, _) in enumerate(pairs):
        s[:len(r), q, :len(c)] = _score_matrix(np.asarray(r), np.asarray(c))
    _, best_at, h = _sweep(s, np.array([len(r) for r, _, _ in pairs]),
                           np.array([len(c) for _, c, _ in pairs]), keep=True)
    out = []
    for q, (r, c, swapped) in enumerate(pairs):
        traced = _traceback(h[:len(r) + 1, q, :len(c) + 1], s[:len(r), q, :len(c)],
                            (int(best_at[q, 0]), int(best_at[q, 1])))
        out.append([(i, j) for j, i in traced] if swapped else traced)
    return out


def _role_map(a: np.ndarray, b: np.ndarray, pairs: list[tuple[int, int]]) -> np.ndarray:
    """``b``'s codes with its roles renamed to the roles of ``a`` they play most often.

    Ranks by lines spoken are fragile (a stepmother and a half-sister who speak about as much
    swap places in a retelling), so the characters are matched by what they do: align on the
    situations alone, count which role of ``b`` stands where each role of ``a`` stands, and
    pair them greedily, most often first. ``pairs``: that alignment (``_traced_many``)."""
    counts = np.zeros((8, 8), dtype=np.int64)
    for i, j in pairs:
        for shift in (3, 0):
            ra, rb = (int(a[i]) >> shift) & 7, (int(b[j]) >> shift) & 7
            if ra and rb:
                counts[ra, rb] += 1
    mapping = np.zeros(8, dtype=np.uint16)
    used_a: set[int] = set()
    for flat in np.argsort(-counts, axis=None, kind="stable"):
        ra, rb = divmod(int(flat), 8)
        if counts[ra, rb] == 0:
            break
        if mapping[rb] == 0 and ra not in used_a:
            mapping[rb] = ra
            used_a.add(ra)
    free = [r for r in range(1, 8) if r not in used_a]
    for rb in range(1, 8):
        if mapping[rb] == 0:
            mapping[rb] = free.pop(0) if free else 7
    actor, target = mapping[(b >> 3) & 7], mapping[b & 7]
    return ((b >> 6) << 6 | actor << 3 | target).astype(np.uint16)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Plot similarity 0–1: the best alignment (with ``b``'s roles matched to ``a``'s) over
    the shorter skeleton's self score."""
    return similarities(a, [b])[0]


def similarities(a: np.ndarray, bs: Sequence[np.ndarray]) -> list[float]:
    """``similarity(a, b)`` for every ``b``, aligned together (one loop over ``a``)."""
    a = np.asarray(a, dtype=np.uint16)
    bs = [np.asarray(b, dtype=np.uint16) for b in bs]
    out = [0.0] * len(bs)
    live = [k for k, b in enumerate(bs) if len(a) and len(b)]
    if not live:
        return out
    norms = {k: max(1e-9, min(self_score(a), self_score(bs[k]))) for k in live}
    scores = dict(zip(live, align_many(a, [bs[k] for k in live]), strict=True))
    remap = [k for k in live if scores[k] / norms[k] >= REMAP_FROM]  # worth matching names
    if remap:
        situations = _traced_many(a & ~np.uint16(63), [bs[k] & ~np.uint16(63) for k in remap])
        again = align_many(a, [_role_map(a, bs[k], p)
                               for k, p in zip(remap, situations, strict=True)])
        for k, sc in zip(remap, again, strict=True):
            scores[k] = max(scores[k], sc)
    for k in live:
        out[k] = round(min(1.0, scores[k] / norms[k]), 4)
    return out


def _sweep(s: np.ndarray, n_rows: np.ndarray, n_cols: np.ndarray, *, keep: bool
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``align``'s recurrence for k score matrices at once (``s``: rows × k × cols, each
    padded past its own ``n_rows`` × ``n_cols``). Returns each one's best score; with ``keep``
    also the first best cell (as ``align`` finds it) and every row, for a traceback."""
    rows_n, k, cols_n = s.shape
    idx = np.arange(cols_n + 1, dtype=np.float32) * _GAP
    prev = np.zeros((k, cols_n + 1), dtype=np.float32)
    h = np.zeros((rows_n + 1, k, cols_n + 1), dtype=np.float32) if keep else None
    real = np.arange(cols_n + 1)[None, :] <= n_cols[:, None]
    best = np.zeros(k, dtype=np.float32)
    best_at = np.zeros((k, 2), dtype=np.int64)
    every = np.arange(k)
    for i in range(1, rows_n + 1):
        cur = np.zeros((k, cols_n + 1), dtype=np.float32)
        cur[:, 1:] = np.maximum(prev[:, :-1] + s[i - 1], prev[:, 1:] + _GAP)
        cur = np.maximum(cur, 0.0)
        cur = np.maximum(cur, np.maximum.accumulate(cur - idx, axis=1) + idx)
        if h is None:  # scores only: a pad cell never exceeds its row's best real one
            best = np.maximum(best, cur.max(axis=1))
        else:
            h[i] = cur
            shown = np.where(real, cur, -np.inf)
            j = shown.argmax(axis=1)
            top = shown[every, j]
            better = (top > best) & (i <= n_rows)
            best = np.where(better, top, best)
            best_at[better] = np.stack([np.full(k, i), j], axis=1)[better]
        prev = cur
    return best, best_at, h


def align_many(a: np.ndarray, bs: Sequence[np.ndarray]) -> list[float]:
    """``align(a, b)[0]`` for every (non-empty) ``b`` at once: the candidates side by side,
    padded with beats that match nothing. A pad only follows its row's real beats, and the
    recurrences run right and down, so it never raises a real cell; its own cells stay at or
    below the row's best real one."""
    n, width = len(a), max(len(b) for b in bs)
    pad = np.full(width, 0xFFFF, dtype=np.uint16)  # beat type 1023: no real beat has it
    b2 = np.stack([np.concatenate([b, pad[:width - len(b)]]) for b in bs])
    a = np.asarray(a)
    lengths, full = np.array([len(b) for b in bs]), np.full(len(bs), n)
    if n > width:
        # The loop runs over rows, so the shorter side goes there (a long script against
        # sample-sized works: ~30× fewer numpy steps). Pads are then trailing rows, which
        # only follow the real ones, so the same argument holds.
        s = np.stack([_score_matrix(row, a) for row in b2], axis=1)  # (width, k, n)
        n_rows, n_cols = lengths, full
    else:
        s = np.stack([_score_matrix(a, row) for row in b2], axis=1)  # (n, k, width)
        n_rows, n_cols = full, lengths
    best, _, _ = _sweep(s, n_rows, n_cols, keep=False)
    return [float(x) / _UNIT for x in best]


def trigrams(codes: Iterable[int]) -> np.ndarray:
    """Hashed trigrams of beat types (roles left out): unique uint32 keys."""
    t = np.asarray(list(codes), dtype=np.uint32) >> 6
    if len(t) < 3:
        return np.unique(t)
    keys = (t[:-2] << 20) | (t[1:-1] << 10) | t[2:]
    return np.unique(keys.astype(np.uint32))
