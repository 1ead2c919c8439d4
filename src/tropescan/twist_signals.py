"""General twist signals per sentence: constructions, contradictions, danger, emotion, novelty.

Input: the sentence texts of one script in order (``sentences.Sentence.text``) and the episode
of each. Output: a matrix of signal features, one row per sentence (``SIGNAL_FEATURES``), for
the twist model. The signals are what any Chinese drama uses to land a twist, not our own
wording, and they are data (``lexicons/twist_signals.toml``, ``lexicons/emotion.toml``):

* pattern groups — reveal constructions (原来, 竟然, 不是…而是, 就是你), contradictions (不是说,
  才两个月), danger, violence and sound (啪, 砰, 尖叫), reactions (什么？, 不可能: the twist is just
  before them), threats, open questions, introductions and greetings (恭迎, 我叫), questions
  without a question mark (… 吗, 谁);
* a title entering the script for the first time (龙帅, 林总, 纪律师 …), a number or date that
  differs from the one said before with the same unit (两个月 -> 五个月), the share of a
  sentence's character pairs never heard before in the script (new names, new facts);
* emotional intensity (a lexicon of seven emotions) and its jump over the sentences before;
  a question followed by its answer; a reaction in the next sentences.

Before matching, look-alike (OCR) and homophone (ASR) variants of the key words are replaced
(己经 -> 已经, 末婚夫 -> 未婚夫, 现再 -> 现在), always by a word of the same length, so
offsets stay valid. The lexicon is loaded once per folder (``load_signals``, a documented
``lru_cache``); ``SignalLexicon.version`` is its files' digest, which the twist model records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from re import _constants, _parser
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._resources import lexicon_dir
from .errors import Errors, LexiconError
from .inttable import IntTable
from .lexicon import read_toml
from .util import fingerprint

GROUPS = ("reveal", "contradict", "danger", "violence", "reaction", "threat", "open", "intro",
          "closure", "question")
EMOTIONS = ("anger", "fear", "surprise", "sadness", "joy", "disgust", "shame")
SIGNAL_FEATURES = [
    *(f"sig_{g}" for g in GROUPS), *(f"emo_{e}" for e in EMOTIONS), "emo_total", "emo_jump",
    "emo_next", "new_title", "novelty", "number", "number_change", "prev_question", "answer",
    "next_reaction", "prev_reaction", "next_question"]
FILES = ("twist_signals.toml", "emotion.toml")
CAP = 4.0  # a group's feature is capped: ten 啪 are not ten times one
_NUM = r"[0-9一二两三四五六七八九十百千万几半]+"
_UNITS = ("年", "个月", "月", "天", "日", "号", "岁", "点", "万", "亿", "块", "元", "次", "分钟", "小时",
          "层", "楼")
NUMBER_RE = re.compile(rf"({_NUM})\s*({'|'.join(_UNITS)})")
_PLAIN = re.compile(r"[\u4e00-\u9fff]+")  # a pattern of Han characters only: no metacharacter
GRAM_BITS = 21  # a code point (+1) fits in 21 bits; three of them in an int64
#: ``SignalLexicon.marks`` bits after the groups': a title, an emotion word, a number's unit
TITLE_BIT, EMOTION_BIT, UNIT_BIT = len(GROUPS), len(GROUPS) + 1, len(GROUPS) + 2


def gram_keys(grams: Sequence[str], width: int = 3) -> np.ndarray:
    """One integer per n-gram (at most ``width`` <= 3 characters): code points + 1, 21 bits
    each, first in the low bits; lengths never collide, a longer gram has a non-zero higher
    field. All grams at once, padded to ``width`` code points and the padding zeroed by
    length (a loop per gram cost 0.2 s cold)."""
    cps = np.frombuffer("".join(g.ljust(width, "\0") for g in grams).encode("utf-32-le"),
                        dtype=np.uint32).astype(np.int64).reshape(len(grams), width) + 1
    lens = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
    cps[np.arange(width)[None, :] >= lens[:, None]] = 0
    keys = np.zeros(len(grams), dtype=np.int64)
    for j in range(width):
        keys |= cps[:, j] << (GRAM_BITS * j)
    return keys


def text_grams(texts: Sequence[str], sizes: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(text index, ``gram_keys`` key) of every character n-gram of every text, for n from
    ``sizes[0]`` to ``sizes[1]``."""
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"),
                        dtype="<u4").astype(np.int64) + 1
    line = np.repeat(np.arange(len(texts), dtype=np.int64), lens)
    rows, keys = [], []
    for n in range(sizes[0], sizes[1] + 1):
        m = len(cps) - n + 1
        if m <= 0:
            continue
        key = cps[:m].copy()
        for j in range(1, n):
            key |= cps[j:j + m] << (GRAM_BITS * j)
        inside = line[:m] == line[n - 1:n - 1 + m]  # the gram does not cross into the next text
        rows.append(line[:m][inside])
        keys.append(key[inside])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(keys)


@dataclass(frozen=True)
class SignalLexicon:
    """Compiled signal patterns, emotion words, titles and variants (see the module docs)."""

    groups: dict[str, list[tuple[re.Pattern[str], float]]]
    group_res: dict[str, re.Pattern[str]]
    emotions: dict[str, dict[str, float]]
    emotion_re: re.Pattern[str]
    titles: re.Pattern[str]
    variants: dict[str, str]
    variant_re: re.Pattern[str] | None
    version: str
    #: the first three characters of what each pattern needs (``_needed_in``), of the titles,
    #: the emotion words and the units -> the ``marks`` bits of the lists holding them
    anchors: IntTable
    #: per group, its patterns that anchors cannot rule out, combined (the whole group when
    #: one of them has a group of its own, which combining would renumber)
    rest_res: dict[str, re.Pattern[str] | None]
    always: int = 0  # marks set for every text (an empty emotion word matches anywhere)

    def normalize(self, text: str) -> str:
        """``text`` with every known variant replaced (same length)."""
        if self.variant_re is None:
            return text
        return self.variant_re.sub(lambda m: self.variants[m.group(0)], text)

    def marks(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the bits (``GROUPS`` in order, ``TITLE_BIT``, ``EMOTION_BIT``, ``UNIT_BIT``)
        of its anchors: no regex needs to look where a list's bit is not set."""
        rows, keys = text_grams(texts, (1, 3))
        bits = self.anchors.get(keys)
        hit = bits >= 0
        out = np.full(len(texts), self.always, dtype=np.int64)
        np.bitwise_or.at(out, rows[hit], bits[hit])
        return out

    def group_scores(self, texts: Sequence[str], marks: np.ndarray | None = None) -> np.ndarray:
        """Per sentence and group: the summed weight of the patterns found (capped).
        ``marks``: ``self.marks(texts)``, when the caller has them already."""
        marks = self.marks(texts) if marks is None else marks
        out = np.zeros((len(texts), len(GROUPS)))
        for j, g in enumerate(GROUPS):
            maybe = set(np.flatnonzero(marks >> j & 1).tolist())
            rest = self.rest_res[g]
            if rest is not None:
                maybe.update(i for i, m in enumerate(map(rest.search, texts)) if m)
            combined = self.group_res[g]
            # a Han-only pattern is found exactly where its text is: ``in`` is the cheaper test
            checks = [(p.pattern if _PLAIN.fullmatch(p.pattern) else None, p, w)
                      for p, w in self.groups[g]]
            for i in sorted(maybe):
                t = texts[i]
                if combined.search(t):
                    out[i, j] = min(CAP, sum(w for plain, p, w in checks
                                             if (plain in t if plain else p.search(t))))
        return out

    def emotion_scores(self, texts: Sequence[str], marks: np.ndarray | None = None
                       ) -> np.ndarray:
        """Per sentence and emotion: the summed intensity of its words (longest match)."""
        marks = self.marks(texts) if marks is None else marks
        out = np.zeros((len(texts), len(EMOTIONS)))
        lookup = {w: (EMOTIONS.index(e), v) for e, words in self.emotions.items()
                  for w, v in words.items()}
        for i in np.flatnonzero(marks >> EMOTION_BIT & 1).tolist():
            for m in self.emotion_re.finditer(texts[i]):
                j, v = lookup[m.group(0)]
                out[i, j] += v
        return np.minimum(out, CAP)


def _problem(path: Path, key: str, message: str) -> LexiconError:
    return LexiconError(Errors.LEXICON_PROBLEMS(problems=f"{path}: {key}: {message}"), path=path)


def _weights(table: object, path: Path, key: str) -> dict[str, float]:
    if not isinstance(table, dict) or not table:
        raise _problem(path, key, "required, a table of \"pattern\" = weight")
    out = {}
    for word, w in table.items():
        if isinstance(w, bool) or not isinstance(w, int | float) or not 0 < w <= 5:
            raise _problem(path, f"{key}.{word}", f"weight must be a number in (0, 5], got {w!r}")
        out[str(word)] = float(w)
    return out


def _compile(pattern: str, path: Path, key: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise _problem(path, key, f"bad regular expression: {exc}") from exc


def _string_list(table: object, path: Path, key: str) -> list[str]:
    if not isinstance(table, list) or not all(isinstance(w, str) and w for w in table):
        raise _problem(path, key, "required, a list of non-empty strings")
    return list(table)


def _variants(data: dict[str, object], words: Sequence[str], path: Path) -> dict[str, str]:
    """Explicit variants, plus one-character swaps (``variants.chars``) of every pattern word
    of three or more characters, except real words (``variants.keep``)."""
    section = data.get("variants", {})
    if not isinstance(section, dict):
        raise _problem(path, "variants", "must be a table")
    explicit = section.get("words", {})
    if not isinstance(explicit, dict):
        raise _problem(path, "variants.words", "must be a table of \"variant\" = \"word\"")
    out: dict[str, str] = {}
    for bad, good in explicit.items():
        if not isinstance(good, str) or len(good) != len(bad):
            raise _problem(path, f"variants.words.{bad}",
                           "the word must be a string as long as its variant")
        out[bad] = good
    groups = _string_list(section.get("chars", {}).get("groups", []) or ["  "], path,
                          "variants.chars.groups")
    keep = set(_string_list(section.get("keep", {}).get("words", []) or [" "], path,
                            "variants.keep.words"))
    alike = {c: g.replace(c, "") for g in groups for c in g}
    for word in words:
        if len(word) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]+", word):
            continue
        for k, c in enumerate(word):
            for alt in alike.get(c, ""):
                variant = word[:k] + alt + word[k + 1:]
                if variant not in keep and variant not in words:
                    out.setdefault(variant, word)
    return {bad: good for bad, good in out.items() if bad != good and bad not in keep}


def _alternation(words: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


@lru_cache(maxsize=4)
def load_signals(directory: str | None = None) -> SignalLexicon:
    """The signal lexicon of ``directory`` (default: the built-in lexicons), validated: a bad
    entry raises ``LexiconError`` naming the file and the key."""
    root = Path(directory) if directory else lexicon_dir()
    spath, epath = root / FILES[0], root / FILES[1]
    sdata, edata = read_toml(spath), read_toml(epath)
    signals = sdata.get("signals")
    if not isinstance(signals, dict):
        raise _problem(spath, "signals", "required, a table of signal groups")
    groups, group_res, rest_res, anchors = _groups(signals, spath)
    literal = [p.pattern for g in GROUPS for p, _ in groups[g] if _PLAIN.fullmatch(p.pattern)]
    emotions_raw = edata.get("emotions")
    if not isinstance(emotions_raw, dict):
        raise _problem(epath, "emotions", "required, a table of emotions")
    emotions = {}
    for e in EMOTIONS:
        body = emotions_raw.get(e)
        if not isinstance(body, dict):
            raise _problem(epath, f"emotions.{e}", "required, a table with words")
        emotions[e] = _weights(body.get("words"), epath, f"emotions.{e}.words")
    words = [w for e in EMOTIONS for w in emotions[e]]
    titles_raw = sdata.get("titles", {})
    titles = _string_list(titles_raw.get("words") if isinstance(titles_raw, dict) else None,
                          spath, "titles.words")
    variants = _variants(sdata, literal + words, spath)
    for bit, listed in ((TITLE_BIT, titles), (EMOTION_BIT, words), (UNIT_BIT, _UNITS)):
        _anchor(anchors, [w for w in listed if w], bit)
    keys = np.fromiter(anchors, dtype=np.int64, count=len(anchors))
    return SignalLexicon(
        groups, group_res, emotions, _alternation(words),
        re.compile(r"[\u4e00-\u9fff]?(?:" + "|".join(map(re.escape, titles)) + ")"),
        variants, _alternation(list(variants)) if variants else None,
        fingerprint([spath.read_bytes(), epath.read_bytes()])[:16],
        IntTable.of(keys, np.fromiter(anchors.values(), dtype=np.int64, count=len(keys))),
        rest_res, (1 << EMOTION_BIT) * ("" in words))


def _groups(signals: dict[str, object], spath: Path) -> tuple[
        dict[str, list[tuple[re.Pattern[str], float]]], dict[str, re.Pattern[str]],
        dict[str, re.Pattern[str] | None], dict[int, int]]:
    """The pattern groups: each pattern with its weight, each group combined, what of it the
    anchors cannot rule out (``SignalLexicon.rest_res``) and the anchors."""
    groups: dict[str, list[tuple[re.Pattern[str], float]]] = {}
    group_res: dict[str, re.Pattern[str]] = {}
    rest_res: dict[str, re.Pattern[str] | None] = {}
    anchors: dict[int, int] = {}
    for j, g in enumerate(GROUPS):
        body = signals.get(g)
        if not isinstance(body, dict):
            raise _problem(spath, f"signals.{g}", "required, a table with patterns")
        weights = _weights(body.get("patterns"), spath, f"signals.{g}.patterns")
        groups[g] = [(_compile(p, spath, f"signals.{g}.patterns.{p}"), w)
                     for p, w in weights.items()]
        group_res[g] = _compile("|".join(f"(?:{p})" for p in weights), spath, f"signals.{g}")
        rest = []
        for p, _ in groups[g]:
            needed = None if p.flags & re.IGNORECASE else _needed_in(_parser.parse(p.pattern))
            if needed:
                _anchor(anchors, needed, j)
            else:
                rest.append(p)
        rest_res[g] = (group_res[g] if any(p.groups for p in rest)
                       else re.compile("|".join(f"(?:{p.pattern})" for p in rest)) if rest
                       else None)
    return groups, group_res, rest_res, anchors


def _needed_in(items: Iterable[tuple[object, Any]]) -> list[str] | None:
    """Strings one of which every match of a parsed pattern holds (None when its forms are
    not known here: the pattern is then looked for in every text). What one item of the
    sequence needs (a run of literals needs itself), the longest and fewest strings."""
    options: list[list[str]] = []
    run = ""
    for op, av in [*items, (None, None)]:
        if op is _constants.LITERAL:
            run += chr(av)
            continue
        if run:
            options.append([run])
            run = ""
        needed = _needed_item(op, av)
        if needed:
            options.append(needed)
    return min(options, key=lambda o: (-min(map(len, o)), len(o))) if options else None


def _needed_item(op: object, av: Any) -> list[str] | None:
    """``_needed_in`` of one parsed item that always matches at least one character."""
    c = _constants
    if op is c.IN:
        chars: list[str] = []
        for kind, value in av:
            if kind is c.LITERAL:
                chars.append(chr(value))
            elif kind is c.RANGE and value[1] - value[0] < 64:
                chars += map(chr, range(value[0], value[1] + 1))
            else:  # a negated set, a category (\s), a wide range: anything
                return None
        return chars
    if op is c.BRANCH:
        each = [_needed_in(alternative) for alternative in av[1]]
        return None if None in each else [w for needed in each if needed for w in needed]
    if op is c.SUBPATTERN:
        return None if av[1] & re.IGNORECASE else _needed_in(av[3])
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _needed_in(av[2])
    return None  # an anchor, a lookaround, any character, a back reference, an optional part


def _anchor(anchors: dict[int, int], words: Sequence[str], bit: int) -> None:
    """Mark the first three characters of each of ``words`` with ``bit``."""
    for key in gram_keys([w[:3] for w in words]).tolist():
        anchors[key] = anchors.get(key, 0) | 1 << bit


def _shift(x: np.ndarray, ep: np.ndarray, k: int) -> np.ndarray:
    """``x[i - k]`` where sentence ``i - k`` is in the same episode as ``i``, else 0."""
    out = np.zeros_like(x)
    if k > 0 and len(x) > k:
        out[k:] = np.where(ep[k:] == ep[:-k], x[:-k], 0.0)
    elif k < 0 and len(x) > -k:
        out[:k] = np.where(ep[:k] == ep[-k:], x[-k:], 0.0)
    return out


def signal_features(lex: SignalLexicon, texts: Sequence[str],
                    episodes: Sequence[int]) -> np.ndarray:
    """``SIGNAL_FEATURES`` for every sentence: ``texts`` (normalised, variants replaced) in
    script order, ``episodes`` the episode of each (context never crosses an episode)."""
    n = len(texts)
    if not n:
        return np.zeros((0, len(SIGNAL_FEATURES)))
    ep = np.asarray(episodes, dtype=np.int64)
    marks = lex.marks(texts)
    groups = lex.group_scores(texts, marks)
    emo = lex.emotion_scores(texts, marks)
    total = emo.sum(axis=1)
    question = groups[:, GROUPS.index("question")]
    reaction = groups[:, GROUPS.index("reaction")]
    index = np.arange(n)
    first = np.r_[0, np.flatnonzero(ep[1:] != ep[:-1]) + 1]
    since = index - first[np.searchsorted(first, index, side="right") - 1]
    before = sum(_shift(total, ep, k) for k in (1, 2, 3)) / np.clip(since, 1, 3)
    jump = np.where(since > 0, np.maximum(total - before, 0.0), 0.0)
    novelty, titles, numbers, changes = _novelty(lex, texts, marks)
    prev_q = _shift(question, ep, 1)
    cols = [groups, emo, total, jump, _shift(total, ep, -1), titles, novelty, numbers, changes,
            prev_q, prev_q * (question == 0),
            np.maximum(_shift(reaction, ep, -1), 0.5 * _shift(reaction, ep, -2)),
            _shift(reaction, ep, 1), _shift(question, ep, -1)]
    return np.column_stack(cols)


def _novelty(lex: SignalLexicon, texts: Sequence[str], marks: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per sentence, in script order: the share of its Han character pairs not seen before,
    less the mean share of the ten sentences before it; titles said for the first time;
    numbers said; numbers that differ from the last one said with the same unit (only the
    sentences ``marks`` gives a title or a unit can hold either)."""
    n = len(texts)
    titles, numbers, changes = (np.zeros(n) for _ in range(3))
    raw = _new_pair_share(texts)
    before = np.empty(n)
    before[:1] = raw[:1]  # the first sentence is its own reference: no novelty
    for i in range(1, min(n, 10)):
        before[i] = raw[:i].mean()
    if n > 10:  # the ten before each: the same means as raw[i - 10:i].mean() (bit for bit)
        before[10:] = np.ascontiguousarray(sliding_window_view(raw[:-1], 10)).mean(axis=1)
    seen_titles: set[str] = set()
    last_value: dict[str, str] = {}
    for i in np.flatnonzero(marks & (1 << TITLE_BIT | 1 << UNIT_BIT)).tolist():
        t, mark = texts[i], int(marks[i])
        if mark >> TITLE_BIT & 1:
            found = {m.group(0) for m in lex.titles.finditer(t)}
            titles[i] = min(2.0, len(found - seen_titles))
            seen_titles |= found
        if mark >> UNIT_BIT & 1:
            for value, unit in NUMBER_RE.findall(t):
                numbers[i] = min(2.0, numbers[i] + 1.0)
                if unit in last_value and last_value[unit] != value:
                    changes[i] = min(2.0, changes[i] + 1.0)
                last_value[unit] = value
    return raw - before, titles, numbers, changes


def _new_pair_share(texts: Sequence[str]) -> np.ndarray:
    """Per text: the share of its distinct Han character pairs that no text before it holds
    (0 without pairs), for the whole script at once."""
    lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lens)
    han = (cps >= 0x4E00) & (cps <= 0x9FFF)
    at = np.flatnonzero(han[:-1] & han[1:] & (rows[:-1] == rows[1:]))
    # (pair, text) in one sorted int64: a pair's texts in order, the first its first text
    key = np.sort((cps[at].astype(np.int64) << 47) | (cps[at + 1].astype(np.int64) << 31)
                  | rows[at])
    raw = np.zeros(len(texts))
    if not len(key):
        return raw
    text = key & ((1 << 31) - 1)
    pair = key >> 31
    distinct = np.bincount(text[np.r_[True, key[1:] != key[:-1]]], minlength=len(texts))
    new = np.bincount(text[np.r_[True, pair[1:] != pair[:-1]]], minlength=len(texts))
    np.divide(new, distinct, out=raw, where=distinct > 0)
    return raw
