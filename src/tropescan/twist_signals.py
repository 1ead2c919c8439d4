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
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._resources import lexicon_dir
from .errors import Errors, LexiconError
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
NUMBER_RE = re.compile(rf"({_NUM})\s*(年|个月|月|天|日|号|岁|点|万|亿|块|元|次|分钟|小时|层|楼)")
_HAN_PAIR = re.compile(r"(?=([\u4e00-\u9fff]{2}))")


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

    def normalize(self, text: str) -> str:
        """``text`` with every known variant replaced (same length)."""
        if self.variant_re is None:
            return text
        return self.variant_re.sub(lambda m: self.variants[m.group(0)], text)

    def group_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Per sentence and group: the summed weight of the patterns found (capped)."""
        out = np.zeros((len(texts), len(GROUPS)))
        for j, g in enumerate(GROUPS):
            combined = self.group_res[g]
            for i, t in enumerate(texts):
                if not combined.search(t):
                    continue
                out[i, j] = min(CAP, sum(w for p, w in self.groups[g] if p.search(t)))
        return out

    def emotion_scores(self, texts: Sequence[str]) -> np.ndarray:
        """Per sentence and emotion: the summed intensity of its words (longest match)."""
        out = np.zeros((len(texts), len(EMOTIONS)))
        lookup = {w: (EMOTIONS.index(e), v) for e, words in self.emotions.items()
                  for w, v in words.items()}
        for i, t in enumerate(texts):
            for m in self.emotion_re.finditer(t):
                j, v = lookup[m.group(0)]
                out[i, j] += v
        return np.minimum(out, CAP)


def _problem(path: Path, key: str, message: str) -> LexiconError:
    return LexiconError(Errors.LEXICON_PROBLEMS(problems=f"{path}: {key}: {message}"), path=path)


def _read(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise LexiconError(Errors.LEXICON_UNREADABLE(reason=exc.strerror or exc), path=path) from exc
    except UnicodeDecodeError as exc:
        raise LexiconError(Errors.LEXICON_NOT_UTF8, path=path) from exc
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(Errors.LEXICON_SYNTAX(detail=exc), path=path) from exc


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
    sdata, edata = _read(spath), _read(epath)
    signals = sdata.get("signals")
    if not isinstance(signals, dict):
        raise _problem(spath, "signals", "required, a table of signal groups")
    groups: dict[str, list[tuple[re.Pattern[str], float]]] = {}
    group_res: dict[str, re.Pattern[str]] = {}
    literal: list[str] = []
    for g in GROUPS:
        body = signals.get(g)
        if not isinstance(body, dict):
            raise _problem(spath, f"signals.{g}", "required, a table with patterns")
        weights = _weights(body.get("patterns"), spath, f"signals.{g}.patterns")
        groups[g] = [(_compile(p, spath, f"signals.{g}.patterns.{p}"), w)
                     for p, w in weights.items()]
        group_res[g] = _compile("|".join(f"(?:{p})" for p in weights), spath, f"signals.{g}")
        literal += [p for p in weights if re.fullmatch(r"[\u4e00-\u9fff]+", p)]
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
    return SignalLexicon(
        groups, group_res, emotions, _alternation(words),
        re.compile(r"[\u4e00-\u9fff]?(?:" + "|".join(map(re.escape, titles)) + ")"),
        variants, _alternation(list(variants)) if variants else None,
        fingerprint([spath.read_bytes(), epath.read_bytes()])[:16])


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
    groups = lex.group_scores(texts)
    emo = lex.emotion_scores(texts)
    total = emo.sum(axis=1)
    question = groups[:, GROUPS.index("question")]
    reaction = groups[:, GROUPS.index("reaction")]
    index = np.arange(n)
    first = np.r_[0, np.flatnonzero(ep[1:] != ep[:-1]) + 1]
    since = index - first[np.searchsorted(first, index, side="right") - 1]
    before = sum(_shift(total, ep, k) for k in (1, 2, 3)) / np.clip(since, 1, 3)
    jump = np.where(since > 0, np.maximum(total - before, 0.0), 0.0)
    novelty, titles, numbers, changes = _novelty(lex, texts)
    prev_q = _shift(question, ep, 1)
    cols = [groups, emo, total, jump, _shift(total, ep, -1), titles, novelty, numbers, changes,
            prev_q, prev_q * (question == 0),
            np.maximum(_shift(reaction, ep, -1), 0.5 * _shift(reaction, ep, -2)),
            _shift(reaction, ep, 1), _shift(question, ep, -1)]
    return np.column_stack(cols)


def _novelty(lex: SignalLexicon, texts: Sequence[str]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per sentence, in script order: the share of its Han character pairs not seen before,
    less the mean share of the ten sentences before it; titles said for the first time;
    numbers said; numbers that differ from the last one said with the same unit."""
    n = len(texts)
    novelty, titles, numbers, changes = (np.zeros(n) for _ in range(4))
    seen_pairs: set[str] = set()
    seen_titles: set[str] = set()
    last_value: dict[str, str] = {}
    raw = np.zeros(n)
    for i, t in enumerate(texts):
        pairs = {m.group(1) for m in _HAN_PAIR.finditer(t)}
        if pairs:
            raw[i] = len(pairs - seen_pairs) / len(pairs)
            seen_pairs |= pairs
        window = raw[max(0, i - 10):i]
        novelty[i] = raw[i] - (window.mean() if len(window) else raw[i])
        found = {m.group(0) for m in lex.titles.finditer(t)}
        titles[i] = min(2.0, len(found - seen_titles))
        seen_titles |= found
        for value, unit in NUMBER_RE.findall(t):
            numbers[i] = min(2.0, numbers[i] + 1.0)
            if unit in last_value and last_value[unit] != value:
                changes[i] = min(2.0, changes[i] + 1.0)
            last_value[unit] = value
    return novelty, titles, numbers, changes
