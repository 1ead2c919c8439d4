"""A hash table of integer keys held in numpy arrays, looked up for a whole array of keys at
once: linear probing, at most a quarter full, so a lookup of ~10^5 keys is a few vectorised
probes (a binary search per key took 5x as long). Used for the twist model's n-gram
vocabulary, the signal lexicon's anchors and the trope classifier's word pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / the golden ratio
_EMPTY = -1


def _slots(keys: np.ndarray, bits: int) -> np.ndarray:
    """Each key's home slot in a table of ``2**bits`` (Fibonacci hashing: the top bits of the
    key times 2**64 / the golden ratio, wrapping)."""
    return ((keys.astype(np.int64).view(np.uint64) * _FIBONACCI)
            >> np.uint64(64 - bits)).view(np.int64)


@dataclass(frozen=True, eq=False)
class IntTable:
    """Distinct non-negative int64 keys -> int64 values."""

    keys: np.ndarray  # -1: an empty slot
    values: np.ndarray
    bits: int

    @classmethod
    def of(cls, keys: np.ndarray, values: np.ndarray) -> IntTable:
        keys = np.asarray(keys, dtype=np.int64)
        values = np.asarray(values, dtype=np.int64)
        bits = max(4, len(keys).bit_length() + 2)
        table = np.full(1 << bits, _EMPTY, dtype=np.int64)
        found = np.full(1 << bits, _EMPTY, dtype=np.int64)
        slot = _slots(keys, bits)
        todo = np.arange(len(keys))
        while len(todo):
            free = np.flatnonzero(table[slot[todo]] == _EMPTY)
            # of the keys probing the same free slot the first takes it, the others probe on
            _, first = np.unique(slot[todo[free]], return_index=True)
            won = todo[free[first]]
            table[slot[won]], found[slot[won]] = keys[won], values[won]
            todo = np.setdiff1d(todo, won, assume_unique=True)
            slot[todo] = (slot[todo] + 1) & ((1 << bits) - 1)
        return cls(table, found, bits)

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of every key, -1 where a key is not in the table."""
        keys = np.asarray(keys, dtype=np.int64)
        mask = (1 << self.bits) - 1
        at = _slots(keys, self.bits)
        out = np.full(len(keys), -1, dtype=np.int64)
        todo = np.arange(len(keys))
        while len(todo):
            held = self.keys[at]
            hit = held == keys[todo]
            out[todo[hit]] = self.values[at[hit]]
            going = ~hit & (held != _EMPTY)  # another key sits there: probe the next slot
            todo, at = todo[going], (at[going] + 1) & mask
        return out
