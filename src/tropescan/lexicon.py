"""Lexicons: trope cue files, twist cue categories and genre stock lines, as data.

Input: TOML files (``lexicons/tropes/<id>.toml``, ``lexicons/twists.toml``,
``lexicons/stock_lines.toml``, plus user files). Output: an immutable ``Lexicon`` and a
``CueMatcher`` that finds cues in a script's normalised text, keeping only hits that start and
end on token boundaries (so 注重生活 never fires 重生).

Schema of a trope file::

    id = "zhuixu"                     # ASCII snake_case, the file's stable id
    name_zh = "赘婿"
    name_en = "Live-in son-in-law"
    description = "…"
    [cues]                            # cue = weight, 0 < weight <= 5
    "上门女婿" = 3.0
    [negative]                        # optional
    contexts = ["拜年"]               # on the same line, these cancel cues weighing < 2
    phrases = ["赘述"]                # ordinary words containing a cue, kept whole
    [patterns]                        # optional: situations told with words between
    "(?:偷偷|悄悄)(?:给|替)(?:她|他)" = 1.5   # a regular expression = weight

A pattern is a regular expression (Python syntax, Simplified characters) for a situation that
no fixed word names: 每天准时给她…, 被全校嘲笑…结果…. It matches within one line, starting
on a token boundary; the words it matched are the evidence's cue.

A user file with the id of a built-in trope extends it (its cues are added or re-weighted); a
new id adds a trope (then names and description are required). A file with ``[categories]``
extends the twist cues; a file with ``[lines]`` extends the stock lines. Cues, contexts,
phrases and stock lines may be written in Traditional characters (贅婿): like script text, they
are matched in their Simplified form.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ._resources import lexicon_dir
from .errors import Errors, LexiconError
from .model import Script
from .normalize import normalize
from .util import fingerprint, parse_toml

ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
MAX_WEIGHT = 5.0
MIN_CUES = 25  # for built-in tropes; user extensions may be short


@dataclass(frozen=True, slots=True)
class Trope:
    id: str
    name_zh: str
    name_en: str
    description: str
    cues: dict[str, float]
    negative_contexts: tuple[str, ...] = ()
    negative_phrases: tuple[str, ...] = ()
    source: str = ""
    patterns: dict[str, float] = field(default_factory=dict)  # regex source -> weight


@dataclass(frozen=True, slots=True)
class TwistCategory:
    id: str
    name_zh: str
    name_en: str
    cues: dict[str, float]


@dataclass(frozen=True)
class Lexicon:
    tropes: dict[str, Trope]
    twists: dict[str, TwistCategory]
    stock_lines: dict[str, str]  # normalised stock line -> trope id ("" for genre-wide)
    sources: tuple[str, ...] = field(default=())
    digest: str = ""

    @property
    def version(self) -> str:
        """A short fingerprint of every file's content: changes whenever a cue changes."""
        return self.digest

    def user_words(self) -> list[str]:
        """Every cue and protected phrase: the segmenter's user dictionary."""
        words: set[str] = set()
        for trope in self.tropes.values():
            words.update(trope.cues)
            words.update(trope.negative_phrases)
        for cat in self.twists.values():
            words.update(cat.cues)
        return sorted(w for w in words if len(w) > 1)

    @cached_property
    def trope_matcher(self) -> CueMatcher:
        entries = [(cue, t.id, w) for t in self.tropes.values() for cue, w in t.cues.items()]
        patterns = [(p, t.id, w) for t in self.tropes.values() for p, w in t.patterns.items()]
        return CueMatcher(entries, patterns)

    @cached_property
    def twist_matcher(self) -> CueMatcher:
        entries = [(cue, c.id, w) for c in self.twists.values() for cue, w in c.cues.items()]
        return CueMatcher(entries)


# -- loading and validation -----------------------------------------------------------------

def read_toml(path: Path) -> dict[str, Any]:
    """A lexicon file's tables; an unreadable, non-UTF-8 or malformed file is a
    ``LexiconError`` naming it (the trope, twist, stock-line and signal files alike)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LexiconError(Errors.LEXICON_UNREADABLE(reason=exc.strerror or exc), path=path) from exc
    try:
        return parse_toml(raw)
    except UnicodeDecodeError as exc:
        raise LexiconError(Errors.LEXICON_NOT_UTF8, path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(Errors.LEXICON_SYNTAX(detail=exc), path=path) from exc


def _cues(data: Any, path: Path, key: str) -> tuple[dict[str, float], list[str]]:
    problems: list[str] = []
    cues: dict[str, float] = {}
    if not isinstance(data, dict):
        return cues, [f"{path}: {key}: must be a table of cue = weight"]
    for cue, weight in data.items():
        if not isinstance(cue, str) or not cue.strip():
            problems.append(f"{path}: {key}: empty cue")
            continue
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            problems.append(f"{path}: {key}.{cue}: weight must be a number, got {weight!r}")
            continue
        if not 0 < weight <= MAX_WEIGHT:
            problems.append(f"{path}: {key}.{cue}: weight {weight} outside (0, {MAX_WEIGHT}]")
            continue
        # a writer may keep a lexicon in Traditional characters: scripts are matched in
        # Simplified, so cues are too (no built-in Simplified cue changes under t2s)
        norm = normalize(cue.strip(), traditional=True)
        cues[norm] = float(weight)
    return cues, problems


def _str_list(data: Any, path: Path, key: str) -> tuple[tuple[str, ...], list[str]]:
    if data is None:
        return (), []
    if not isinstance(data, list) or not all(isinstance(x, str) and x.strip() for x in data):
        return (), [f"{path}: {key}: must be a list of non-empty strings"]
    return tuple(normalize(x.strip(), traditional=True) for x in data), []


def parse_trope(data: dict[str, Any], path: Path, *, builtin: bool) -> tuple[Trope | None, list[str]]:
    """Validate one trope table; return the trope (or None) and every problem found."""
    problems: list[str] = []
    known = {"id", "name_zh", "name_en", "description", "cues", "negative", "patterns",
             "version"}
    for key in data:
        if key not in known:
            problems.append(f"{path}: {key}: unknown key (allowed: {', '.join(sorted(known))})")
    tid = data.get("id")
    if not isinstance(tid, str) or not ID_RE.match(tid):
        problems.append(f"{path}: id: must be ASCII snake_case like 'zhuixu', got {tid!r}")
        tid = None
    for key in ("name_zh", "name_en", "description"):
        if builtin and not (isinstance(data.get(key), str) and data[key].strip()):
            problems.append(f"{path}: {key}: required, a non-empty string")
    if "cues" not in data:
        problems.append(f"{path}: cues: required, a table of cue = weight")
    cues, more = _cues(data.get("cues", {}), path, "cues")
    problems += more
    if builtin and len(cues) < MIN_CUES and "cues" in data:
        problems.append(f"{path}: cues: {len(cues)} cues, a built-in trope needs at least {MIN_CUES}")
    negative = data.get("negative", {})
    if not isinstance(negative, dict):
        problems.append(f"{path}: negative: must be a table with contexts and phrases")
        negative = {}
    for key in negative:
        if key not in ("contexts", "phrases"):
            problems.append(f"{path}: negative.{key}: unknown key (allowed: contexts, phrases)")
    contexts, more = _str_list(negative.get("contexts"), path, "negative.contexts")
    problems += more
    phrases, more = _str_list(negative.get("phrases"), path, "negative.phrases")
    problems += more
    patterns, more = _patterns(data.get("patterns", {}), path)
    problems += more
    if problems or tid is None:
        return None, problems
    return Trope(
        id=tid,
        name_zh=str(data.get("name_zh", "")).strip(),
        name_en=str(data.get("name_en", "")).strip(),
        description=str(data.get("description", "")).strip(),
        cues=cues,
        negative_contexts=contexts,
        negative_phrases=phrases,
        source=str(path),
        patterns=patterns,
    ), []


def _patterns(data: Any, path: Path) -> tuple[dict[str, float], list[str]]:
    """``[patterns]``: regex = weight; each must compile and match no empty text."""
    if not isinstance(data, dict):
        return {}, [f"{path}: patterns: must be a table of regular expression = weight"]
    problems: list[str] = []
    out: dict[str, float] = {}
    for source, weight in data.items():
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not (
                0 < weight <= MAX_WEIGHT):
            problems.append(f"{path}: patterns.{source}: weight must be a number in "
                            f"(0, {MAX_WEIGHT}], got {weight!r}")
            continue
        try:
            compiled = re.compile(source)
        except re.error as exc:
            problems.append(f"{path}: patterns.{source}: not a regular expression ({exc})")
            continue
        if compiled.match(""):
            problems.append(f"{path}: patterns.{source}: matches empty text")
            continue
        out[source] = float(weight)
    return out, problems


def parse_twists(data: dict[str, Any], path: Path, *,
                 require_names: bool = False) -> tuple[dict[str, TwistCategory], list[str]]:
    """Validate twist categories; a user file extending a category may omit its names."""
    problems: list[str] = []
    out: dict[str, TwistCategory] = {}
    cats = data.get("categories")
    if not isinstance(cats, dict) or not cats:
        return out, [f"{path}: categories: required, a table of twist categories"]
    for cid, body in cats.items():
        if not ID_RE.match(cid):
            problems.append(f"{path}: categories.{cid}: id must be ASCII snake_case")
            continue
        if not isinstance(body, dict):
            problems.append(f"{path}: categories.{cid}: must be a table")
            continue
        for key in body:
            if key not in ("name_zh", "name_en", "cues"):
                problems.append(f"{path}: categories.{cid}.{key}: unknown key "
                                f"(allowed: name_zh, name_en, cues)")
        if not body.get("cues"):
            problems.append(f"{path}: categories.{cid}.cues: required, a table of cue = weight")
        for key in ("name_zh", "name_en"):
            if require_names and not (isinstance(body.get(key), str) and body[key].strip()):
                problems.append(f"{path}: categories.{cid}.{key}: required, a non-empty string")
        cues, more = _cues(body.get("cues", {}), path, f"categories.{cid}.cues")
        problems += more
        out[cid] = TwistCategory(cid, str(body.get("name_zh", cid)), str(body.get("name_en", cid)),
                                 cues)
    return out, problems


def parse_stock_lines(data: dict[str, Any], path: Path) -> tuple[dict[str, str], list[str]]:
    lines = data.get("lines")
    if not isinstance(lines, dict):
        return {}, [f"{path}: lines: required, a table of \"stock line\" = \"trope id\""]
    out: dict[str, str] = {}
    problems: list[str] = []
    for line, trope in lines.items():
        if not isinstance(trope, str):
            problems.append(f"{path}: lines.{line}: value must be a trope id string (or \"\")")
            continue
        out[normalize(line, traditional=True)] = trope
    return out, problems


def _new_trope_problems(data: dict[str, Any], path: Path) -> list[str]:
    """A user file adding a trope (not extending one) must name and describe it."""
    missing = [k for k in ("name_zh", "description")
               if not (isinstance(data.get(k), str) and data[k].strip())]
    return ([f"{path}: {', '.join(missing)}: required for a new trope {data.get('id')!r}"]
            if missing else [])


def builtin_files(directory: str | Path | None = None) -> list[Path]:
    """The built-in lexicon files: every trope, the twist categories, the stock lines."""
    root = Path(directory) if directory else lexicon_dir()
    return [*sorted((root / "tropes").glob("*.toml")), root / "twists.toml",
            root / "stock_lines.toml"]


def check_files(files: Sequence[str | Path] = ()) -> tuple[list[Path], list[str]]:
    """The files checked (default: the built-in ones) and every problem found in them."""
    builtin = not files
    paths = builtin_files() if builtin else [Path(f) for f in files]
    return paths, [p for f in paths for p in check_file(f, builtin=builtin)]


def check_file(path: str | Path, *, builtin: bool = False) -> list[str]:
    """Every problem in one lexicon file, as ``file: key: message`` strings (empty if valid).

    A user trope file (``builtin=False``) whose id is not a built-in trope adds a new trope, so
    it is held to what ``load_lexicon`` requires of one.
    """
    path = Path(path)
    try:
        data = read_toml(path)
    except LexiconError as exc:
        return [str(exc)]
    if "categories" in data:
        return parse_twists(data, path, require_names=builtin)[1]
    if "lines" in data:
        return parse_stock_lines(data, path)[1]
    trope, problems = parse_trope(data, path, builtin=builtin)
    if trope and not builtin and not (lexicon_dir() / "tropes" / f"{trope.id}.toml").is_file():
        problems = _new_trope_problems(data, path)
    return problems


def _merge_trope(base: Trope, ext: Trope) -> Trope:
    return Trope(
        id=base.id,
        name_zh=ext.name_zh or base.name_zh,
        name_en=ext.name_en or base.name_en,
        description=ext.description or base.description,
        cues={**base.cues, **ext.cues},
        negative_contexts=base.negative_contexts + ext.negative_contexts,
        negative_phrases=base.negative_phrases + ext.negative_phrases,
        source=f"{base.source}+{ext.source}",
        patterns={**base.patterns, **ext.patterns},
    )


def load_lexicon(extra: Sequence[str | Path] = (), *, directory: str | Path | None = None) -> Lexicon:
    """Load the built-in lexicons (or those in ``directory``) plus user files ``extra``."""
    root = Path(directory) if directory else lexicon_dir()
    tropes: dict[str, Trope] = {}
    problems: list[str] = []
    digest_parts: list[bytes] = []
    files = sorted((root / "tropes").glob("*.toml"))
    if not files:
        raise LexiconError(Errors.NO_TROPE_LEXICONS, path=root)
    for path in files:
        data = read_toml(path)
        digest_parts.append(path.read_bytes())
        trope, more = parse_trope(data, path, builtin=directory is None)
        problems += more
        if trope:
            if trope.id != path.stem:
                problems.append(f"{path}: id: {trope.id!r} differs from the file name {path.stem!r}")
            tropes[trope.id] = trope
    twists: dict[str, TwistCategory] = {}
    stock: dict[str, str] = {}
    if (root / "twists.toml").exists():
        digest_parts.append((root / "twists.toml").read_bytes())
        twists, more = parse_twists(read_toml(root / "twists.toml"), root / "twists.toml",
                                    require_names=directory is None)
        problems += more
    if (root / "stock_lines.toml").exists():
        digest_parts.append((root / "stock_lines.toml").read_bytes())
        stock, more = parse_stock_lines(read_toml(root / "stock_lines.toml"),
                                         root / "stock_lines.toml")
        problems += more
    for item in extra:
        path = Path(item)
        if not path.is_file():
            raise LexiconError(Errors.NO_LEXICON_FILE, path=path)
        data = read_toml(path)
        digest_parts.append(path.read_bytes())
        if "categories" in data:
            more_twists, more = parse_twists(data, path)
            for cid, cat in more_twists.items():
                old = twists.get(cid)
                twists[cid] = cat if old is None else TwistCategory(
                    cid, old.name_zh, old.name_en, {**old.cues, **cat.cues})
        elif "lines" in data:
            more_lines, more = parse_stock_lines(data, path)
            stock.update(more_lines)
        else:
            is_new = data.get("id") not in tropes
            trope, more = parse_trope(data, path, builtin=False)
            if trope and is_new and (missing := _new_trope_problems(data, path)):
                more, trope = missing, None
            if trope:
                tropes[trope.id] = trope if is_new else _merge_trope(tropes[trope.id], trope)
        problems += more
    if problems:
        # Each problem names its file; the error names the first file with one.
        first = problems[0].split(": ", 1)[0]
        raise LexiconError(Errors.LEXICON_PROBLEMS(
            problems="; ".join(p.removeprefix(f"{first}: ") if k == 0 else p
                               for k, p in enumerate(problems[:5]))
            + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else "")), path=first)
    return Lexicon(tropes=tropes, twists=twists, stock_lines=stock,
                   sources=tuple(str(p) for p in (*files, *extra)),
                   digest=fingerprint(digest_parts))


# -- matching -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CueHit:
    start: int  # offsets in Script.text
    end: int
    cue: str
    group: str  # trope id or twist category
    weight: float


class CueMatcher:
    """All cues of a lexicon in one Aho-Corasick automaton.

    Finding 3,000 cues in a 150k-character script takes a few milliseconds; a regex
    alternation is ~90x slower. Hits are kept only where both ends fall on token boundaries.
    ``patterns`` (regex, group, weight) are few and searched one by one; a match must stay
    within a line and start on a token boundary (its end may fall inside a word: 塞了一本).
    """

    def __init__(self, entries: Iterable[tuple[str, str, float]],
                 patterns: Iterable[tuple[str, str, float]] = ()) -> None:
        import ahocorasick_rs

        self.regexes = [(re.compile(p), group, weight) for p, group, weight in patterns]

        by_cue: dict[str, list[tuple[str, float]]] = {}
        for cue, group, weight in entries:
            by_cue.setdefault(cue, []).append((group, weight))
        self.patterns = sorted(by_cue)
        self.targets = [by_cue[p] for p in self.patterns]
        self._ac = (ahocorasick_rs.AhoCorasick(self.patterns,
                                               matchkind=ahocorasick_rs.MATCHKIND_STANDARD)
                    if self.patterns else None)

    def find(self, text: str, boundaries: np.ndarray | None = None) -> list[CueHit]:
        """Every cue occurrence in ``text``; with ``boundaries`` (a bool array of length
        ``len(text) + 1``), only those aligned with tokens."""
        hits: list[CueHit] = []
        found = self._ac.find_matches_as_indexes(text, overlapping=True) if self._ac else []
        for idx, start, end in found:
            if boundaries is not None and not (boundaries[start] and boundaries[end]):
                continue
            cue = self.patterns[idx]
            for group, weight in self.targets[idx]:
                hits.append(CueHit(start, end, cue, group, weight))
        for rx, group, weight in self.regexes:
            for m in rx.finditer(text):
                start, end = m.span()
                if "\n" in m.group() or (boundaries is not None and not boundaries[start]):
                    continue
                hits.append(CueHit(start, end, m.group(), group, weight))
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits



@dataclass(frozen=True, slots=True)
class LinePlace:
    """Where each line of ``Script.text`` sits: arrays for fast offset -> line lookup."""

    offsets: np.ndarray
    refs: list[tuple[int, int, int]]  # (episode index, scene index, line index)

    @classmethod
    def of(cls, script: Script) -> LinePlace:
        offsets, refs = [], []
        for ei, ep in enumerate(script.episodes):
            for si, sc in enumerate(ep.scenes):
                for li, line in enumerate(sc.lines):
                    offsets.append(line.offset)
                    refs.append((ei, si, li))
        return cls(np.asarray(offsets, dtype=np.int64), refs)


def hits_by_line(script: Script, hits: list[CueHit], place: LinePlace) -> dict[int, list[CueHit]]:
    """Cue hits grouped by the line (index into ``place.refs``) they start on."""
    out: dict[int, list[CueHit]] = defaultdict(list)
    if not hits:
        return out
    starts = np.fromiter((h.start for h in hits), dtype=np.int64, count=len(hits))
    lines = np.searchsorted(place.offsets, starts, side="right") - 1  # one call, not one per hit
    for hit, line in zip(hits, lines.tolist(), strict=True):
        out[line].append(hit)
    return out
