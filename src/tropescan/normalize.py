"""Normalised text for matching: Traditional -> Simplified (OpenCC), NFKC, lower-case Latin.

Only ``Line.norm`` is normalised; ``Line.text`` keeps what the writer wrote, for display.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache
from typing import Any

# Share of Han characters that t2s changes above which a text counts as Traditional. Simplified
# text changes a handful of characters at most (variant forms), Traditional text 10-30%.
TRADITIONAL_SHARE = 0.03


@lru_cache(maxsize=1)
def _converter() -> Any:
    # Cached, read-only converter: building one loads OpenCC's dictionaries (~20 ms).
    import opencc

    # t2s, not tw2s: tw2s also rewrites Simplified input (什么 -> 什幺, 原著 -> 原着), and
    # lexicon cues and fold_simplified pass Simplified text through here
    return opencc.OpenCC("t2s")


#: Han characters examined: a few thousand decide as well as a whole script, at a fraction of
#: the conversion cost (OpenCC converts about 1 M characters a second here).
TRADITIONAL_SAMPLE = 3000


def is_traditional(text: str) -> bool:
    """True when ``text`` reads as Traditional Chinese (judged on its first
    ``TRADITIONAL_SAMPLE`` Han characters)."""
    han = [ch for ch in text[:20000] if "\u4e00" <= ch <= "\u9fff"][:TRADITIONAL_SAMPLE]
    return _traditional_share("".join(han)) >= TRADITIONAL_SHARE if han else False


@lru_cache(maxsize=16)
def _traditional_share(sample: str) -> float:
    # Cached: the reader and the script builder ask about the same opening of a file.
    converted = _converter().convert(sample)
    return sum(a != b for a, b in zip(sample, converted, strict=False)) / len(sample)


# Taiwan usage t2s keeps but mainland scripts (and the lexicons) never write: 妳, 甚麼, and
# 著 as the aspect particle (等著, 看著) — 著 stays in the words that really use it (著名, 原著).
# Every replacement keeps the length, so fold_simplified stays aligned.
_USAGE = (("妳", "你"), ("甚麼", "什么"), ("甚么", "什么"))
_ZHE = re.compile(r"(?<![原名显卓土巨论专编昭])著(?![名作称述者])")


def to_simplified(text: str) -> str:
    out = str(_converter().convert(text))
    for old, new in _USAGE:
        out = out.replace(old, new)
    return _ZHE.sub("着", out) if "著" in out else out


def fold_simplified(text: str) -> str:
    """Simplified forms with the same length as ``text``, character for character.

    Readers match their structural words (内, 场, 闪回, 剧本名 …) on this copy and slice what
    they keep from the original at the same positions, so a Traditional script is read by
    the same rules and still displayed as written.

    >>> fold_simplified("1-1 日 內 別墅客廳")
    '1-1 日 内 别墅客厅'
    """
    converted = to_simplified(text)
    if len(converted) == len(text):
        return converted
    # A phrase conversion changed the length: fall back to one character at a time.
    out = []
    for ch in text:
        one = to_simplified(ch)
        out.append(one if len(one) == 1 else ch)
    return "".join(out)


def normalize(text: str, *, traditional: bool = False) -> str:
    """The matching form of one line.

    >>> normalize("ＥＰ０１　他說：「這樣不行！」", traditional=True)
    'ep01 他说:「这样不行!」'
    """
    if traditional:
        text = to_simplified(text)
    return unicodedata.normalize("NFKC", text).lower().replace("\n", " ")


_COUNTED = re.compile(r"\w", re.UNICODE)
def counted_chars(text: str) -> int:
    """Characters that take time to say: Han, letters, digits.

    >>> counted_chars("你好，世界！OK")
    6
    """
    return len(_COUNTED.findall(text))


def counted_prefix(text: str) -> list[int]:
    """``counted_chars(text[:i])`` for every ``i`` from 0 to ``len(text)``: the count of any
    slice is then one subtraction, not a regex pass per slice. ``\\w``, what is counted, is
    exactly ``str.isalnum()`` or ``_`` on one character (checked over every code point)."""
    return list(itertools.accumulate(map(str.isalnum, text.replace("_", "0")), initial=0))
