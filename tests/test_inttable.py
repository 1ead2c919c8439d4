"""The integer hash table behind the n-gram, anchor and word-pair lookups."""

from __future__ import annotations

import numpy as np
import pytest

from tropescan.inttable import IntTable


@pytest.mark.parametrize("n", [0, 1, 7, 1000, 50_000])
def test_inttable_answers_like_a_dict(n: int) -> None:
    rng = np.random.default_rng(n)
    keys = np.unique(rng.integers(0, 2**62, size=n))
    keys = np.concatenate([keys, np.arange(min(n, 300))])  # runs of neighbours collide
    keys = np.unique(keys)
    values = rng.integers(0, 10**9, size=len(keys))
    table = IntTable.of(keys, values)
    want = dict(zip(keys.tolist(), values.tolist(), strict=True))
    probe = np.concatenate([keys, rng.integers(0, 2**62, size=500), np.arange(600)])
    assert table.get(probe).tolist() == [want.get(k, -1) for k in probe.tolist()]
    assert (table.keys != -1).sum() == len(keys)  # every key stored once
