"""The numpy MinHash is datasketch's legacy scheme, bit for bit."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tropescan.chunks import estimate_jaccard
from tropescan.minhash import signature

datasketch = pytest.importorskip("datasketch")


def _reference(shingles: set[bytes], num_perm: int, seed: int) -> np.ndarray:
    m = datasketch.MinHash(num_perm=num_perm, seed=seed,
                           hashfunc=lambda b: zlib.crc32(b) & 0xFFFFFFFF, scheme="legacy")
    m.update_batch(list(shingles))
    return m.hashvalues.astype(np.uint32)


def _shingles(text: str, k: int = 5) -> set[bytes]:
    return {text[i:i + k].encode("utf-8") for i in range(len(text) - k + 1)}


@pytest.mark.parametrize(("text", "num_perm", "seed"), [
    pytest.param("他是上门女婿，忍了整整三年。", 64, 1, id="chinese-64"),
    pytest.param("原来你就是北境龙帅！恭迎龙帅归位！" * 3, 128, 7, id="repeated-128-seed7"),
    pytest.param("abcdefghij", 16, 1, id="latin-16"),
])
def test_minhash_matches_datasketch_legacy(text: str, num_perm: int, seed: int) -> None:
    sh = _shingles(text)
    assert np.array_equal(signature(sh, num_perm, seed), _reference(sh, num_perm, seed))


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=5, max_size=200))
def test_minhash_matches_datasketch_for_any_text(text: str) -> None:
    sh = _shingles(text)
    assert np.array_equal(signature(sh, 64, 1), _reference(sh, 64, 1))


def test_minhash_estimates_jaccard() -> None:
    a = _shingles("甲乙丙丁戊己庚辛壬癸" * 4 + "子丑寅卯辰巳午未申酉戌亥")
    b = _shingles("甲乙丙丁戊己庚辛壬癸" * 4 + "一二三四五六七八九十")
    true = len(a & b) / len(a | b)
    est = float(estimate_jaccard(signature(a, 256), signature(b, 256)))
    assert abs(est - true) < 0.12
    assert float(estimate_jaccard(signature(a, 64), signature(a, 64))) == 1.0


def test_minhash_empty_set_is_all_max() -> None:
    assert (signature(set(), 8) == np.uint32(0xFFFFFFFF)).all()
