"""MinHash signatures in plain numpy, bit-for-bit those of datasketch's ``legacy`` scheme.

Input: sets of shingles (bytes). Output: one uint32 signature row per set.

Why not call datasketch here: importing it pulls in scipy.integrate and its async LSH (~0.4 s),
more than the rest of a warm scan, and its ``update_batch`` hashes one set at a time. This is the
same permutation family — ``((a·h + b) mod (2^61 − 1)) & (2^32 − 1)`` with ``(a, b)`` drawn from
``numpy.random.RandomState(seed)`` exactly as datasketch draws them, ``h`` = crc32 of the
shingle — computed for all shingles of a chunk at once. ``tests/test_minhash.py`` checks equality
with ``datasketch.MinHash(..., scheme="legacy")``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from functools import cache

import numpy as np

MERSENNE_PRIME = np.uint64((1 << 61) - 1)
MAX_HASH = np.uint64((1 << 32) - 1)


@cache
def permutations(num_perm: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` parameters of each permutation, drawn as datasketch draws them."""
    gen = np.random.RandomState(seed)
    pairs = [(gen.randint(1, MERSENNE_PRIME, dtype=np.uint64),
              gen.randint(0, MERSENNE_PRIME, dtype=np.uint64)) for _ in range(num_perm)]
    arr = np.array(pairs, dtype=np.uint64).T
    return arr[0].copy(), arr[1].copy()


def signature(shingles: Iterable[bytes], num_perm: int, seed: int = 1) -> np.ndarray:
    """One MinHash signature (uint32, length ``num_perm``)."""
    hv = np.fromiter((zlib.crc32(s) & 0xFFFFFFFF for s in shingles), dtype=np.uint64)
    if hv.size == 0:
        return np.full(num_perm, MAX_HASH, dtype=np.uint32)
    a, b = permutations(num_perm, seed)
    with np.errstate(over="ignore"):  # uint64 products wrap, as in datasketch
        phv = (hv[:, None] * a[None, :] + b[None, :]) % MERSENNE_PRIME & MAX_HASH
    return phv.min(axis=0).astype(np.uint32)
