"""Where packaged data lives: the lexicons and the sample corpus.

In an installed wheel they are ``tropescan/data/...``; in a source checkout they are the
top-level ``lexicons/`` and ``corpora_sample/`` folders (the wheel's build copies them in).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def data_dir(name: str) -> Path:
    packaged = Path(str(resources.files("tropescan"))) / "data" / name
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parents[2] / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"tropescan data folder {name!r} is missing from the installation")


def lexicon_dir() -> Path:
    return data_dir("lexicons")


def corpus_dir() -> Path:
    return data_dir("corpora_sample")
