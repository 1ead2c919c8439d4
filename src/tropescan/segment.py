"""Segmentation: a script's normalised text -> tokens with character offsets.

Input: ``Script.text``. Output: ``Tokens`` (words, start and end offsets, a boundary mask).

Each ``Segmenter`` owns its own tokenizer instance — jieba's ``Tokenizer`` or ``rjieba``'s
``Jieba`` (jieba-rs: same dictionary and algorithm, ~25x faster) — loaded with the lexicon's
cues as user words so cue words stay whole. Nothing touches jieba's global ``jieba.dt``.
Building one costs ~0.1 s (rjieba) or ~1 s (jieba); ``Segmenter.for_lexicon`` keeps one per
lexicon and backend for the life of the process.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import numpy as np

from .errors import Errors, SettingsError
from .util import fingerprint

if TYPE_CHECKING:
    from .lexicon import Lexicon

Backend = Literal["auto", "jieba", "rjieba"]
BACKENDS = ("auto", "jieba", "rjieba")


def rjieba_available() -> bool:
    try:
        import rjieba  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(slots=True)
class Tokens:
    """Tokens of one text; ``starts``/``ends`` are offsets into that text."""

    words: list[str]
    starts: np.ndarray
    ends: np.ndarray
    n_chars: int
    _boundaries: np.ndarray | None = None

    @property
    def boundaries(self) -> np.ndarray:
        """``mask[i]`` is True when a token starts or ends at offset ``i`` (built once)."""
        if self._boundaries is None:
            mask = np.zeros(self.n_chars + 1, dtype=bool)
            mask[self.starts] = True
            mask[self.ends] = True
            self._boundaries = mask
        return self._boundaries

    def span(self, start: int, end: int) -> list[str]:
        """The words lying inside ``[start, end)``."""
        i, j = self.index_range(start, end)
        return self.words[i:j]

    def index_range(self, start: int, end: int) -> tuple[int, int]:
        """``(i, j)``: ``words[i:j]`` are the words lying inside ``[start, end)``."""
        return (int(np.searchsorted(self.starts, start, side="left")),
                int(np.searchsorted(self.starts, end, side="left")))


@contextlib.contextmanager
def _quiet_jieba() -> Iterator[None]:
    """jieba logs its dictionary loading at DEBUG through its own handler: silence it while
    it loads, and leave the logger as it was (an application's logging is its own)."""
    logger = logging.getLogger("jieba")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


class Segmenter:
    """One tokenizer with the user words loaded.

    >>> seg = Segmenter(["上门女婿"], backend="rjieba")   # doctest: +SKIP
    >>> seg.cut("他是个上门女婿")                          # doctest: +SKIP
    ['他', '是', '个', '上门女婿']
    """

    def __init__(self, user_words: Iterable[str] = (), *, backend: Backend = "auto",
                 hmm: bool = True) -> None:
        if backend not in BACKENDS:
            raise SettingsError(Errors.BACKEND(choices=", ".join(BACKENDS), got=backend))
        if backend == "auto":
            backend = "rjieba" if rjieba_available() else "jieba"
        self.backend: str = backend
        self.hmm = hmm
        self.user_words = tuple(user_words)
        self._tk = self._build()

    def _build(self) -> object:
        if self.backend == "rjieba":
            import rjieba

            tk = rjieba.Jieba()
            for word in self.user_words:
                tk.add_word(word, None, None)
            return tk
        import jieba

        tk = jieba.Tokenizer()
        with _quiet_jieba():
            tk.initialize()
        for word in self.user_words:
            tk.add_word(word)
        return tk

    @classmethod
    def for_lexicon(cls, lexicon: Lexicon, backend: Backend = "auto") -> Segmenter:
        """A shared segmenter for this lexicon, from ``shared_segmenter``'s cache."""
        if backend == "auto":
            backend = "rjieba" if rjieba_available() else "jieba"
        return shared_segmenter(lexicon.version, backend, tuple(lexicon.user_words()))

    @cached_property
    def dictionary_checksum(self) -> str:
        return fingerprint([self.backend, *self.user_words])

    def tokenize(self, text: str) -> Tokens:
        # Both backends' default-mode tokenize is cut plus offsets counted in characters; the
        # (word, start, end) tuples it returns cost twice the time of cutting, so count here.
        words = self.cut(text)
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        ends = np.cumsum(lengths)
        return Tokens(words, ends - lengths, ends, len(text))

    def cut(self, text: str) -> list[str]:
        if self.backend == "rjieba":
            return self._tk.cut(text, self.hmm)  # type: ignore[attr-defined]
        return list(self._tk.cut(text, HMM=self.hmm))  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=8)
def shared_segmenter(version: str, backend: str, user_words: tuple[str, ...]) -> Segmenter:
    """The process's cache of segmenters, one per (lexicon version, backend): building one
    costs 0.1–1 s and every ``Analyzer`` of the same lexicon can share it (it is read-only
    once built). ``shared_segmenter.cache_clear()`` empties it."""
    return Segmenter(user_words, backend=backend)  # type: ignore[arg-type]


# -- term features of tokens: what the classifier, the index and chunks count ---------------

# A content word has a letter or digit: ``[^\W_]`` is exactly ``str.isalnum`` on one character
# (both are Python's Unicode alphanumeric test), and a regex search runs in C.
_CONTENT = re.compile(r"[^\W_]")


def features(words: Sequence[str]) -> list[str]:
    """Unigrams and adjacent bigrams of content words.

    >>> features(["他", "是", "，", "上门女婿"])
    ['他', '是', '上门女婿', '他 是', '是 上门女婿']
    """
    # judged once per distinct word: a long script repeats its words many times over
    keep = set(filter(_CONTENT.search, set(words)))
    content = list(filter(keep.__contains__, words))
    return content + list(map(" ".join, itertools.pairwise(content)))


@dataclass(frozen=True, slots=True)
class WordCodes:
    """A token list as integer codes, so that the term features of many stretches of it are
    counted in numpy without judging a word twice: token ``i`` is ``words[codes[i]]``,
    ``index`` maps a word to its code, ``content[c]`` says ``features`` keeps ``words[c]``."""

    words: list[str]
    index: dict[str, int]
    codes: np.ndarray
    content: np.ndarray

    @classmethod
    def of(cls, tokens: Sequence[str]) -> WordCodes:
        words = list(set(tokens))
        index = dict(zip(words, range(len(words)), strict=True))
        codes = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        # most words are all letters; only the others need the search
        content = np.fromiter(map(str.isalnum, words), dtype=bool, count=len(words))
        rest = np.flatnonzero(~content).tolist()
        content[rest] = [_CONTENT.search(words[c]) is not None for c in rest]
        return cls(words, index, codes, content)

    def kept(self, i: int, j: int, dropped: Iterable[str] = ()) -> np.ndarray:
        """The codes of tokens ``i..j-1`` that ``features(strip_names(tokens[i:j], dropped))``
        counts, in order: content words, not ``dropped``."""
        keep = self.content.copy()
        keep[[self.index[w] for w in dropped if w in self.index]] = False
        codes = self.codes[i:j]
        return codes[keep[codes]]


def name_words(names: Sequence[str]) -> set[str]:
    """Character names and their given-name parts (林小舟 -> 林小舟, 小舟).

    Names are the strongest words inside one script and mean nothing outside it; a model that
    learned them would only recognise our own sample scripts.
    """
    out: set[str] = set()
    for name in names:
        name = name.strip()
        if len(name) < 2 or len(name) > 6:
            continue
        out.add(name)
        if len(name) >= 3:
            out.add(name[1:])
            out.add(name[-2:])
    return out


def strip_names(words: Sequence[str], names: set[str]) -> list[str]:
    return [w for w in words if w not in names]
