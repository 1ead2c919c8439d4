"""tropescan: how formulaic is a Chinese mini-series (微短剧) script?

>>> import tropescan
>>> script = tropescan.read("draft.txt")            # doctest: +SKIP
>>> analysis = tropescan.analyze(script)             # doctest: +SKIP
>>> analysis.tropes, analysis.twists, analysis.originality.score   # doctest: +SKIP

Heavy parts (scikit-learn, pandas, matplotlib) are imported only when used. The layers of the
package and what each module owns: docs/architecture.md.
"""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .errors import TropescanError
from .model import Episode, Line, LineKind, Scene, Script
from .readers import read_script
from .timing import TimingProfile

read = read_script

_LAZY = {
    "analyze": "api",
    "compare": "api",
    "analyze_many": "batch",
    "build_index": "batch",
    "add_to_index": "batch",
    "default_analyzer": "api",
    "tag_catalogue": "api",
    "Analysis": "api",
    "Analyzer": "api",
    "Settings": "api",
    "CorpusIndex": "corpus",
    "homogeneity": "collection",
    "Lexicon": "lexicon",
    "load_lexicon": "lexicon",
    "Segmenter": "segment",
    "TropeClassifier": "classifier",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value  # resolved once; later lookups skip __getattr__
        return value
    raise AttributeError(f"module 'tropescan' has no attribute {name!r}")


__all__ = [
    "Episode", "Line", "LineKind", "Scene", "Script", "TimingProfile", "TropescanError",
    "__version__", "read", "read_script", *_LAZY,
]
