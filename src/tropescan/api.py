"""The public library API: ``analyze``, ``analyze_many``, ``Analyzer``, ``Analysis``.

Input: a path or a parsed ``Script``. Output: an ``Analysis`` holding every stage's results as
dataclasses, with DataFrame views built here, at the edge, one place per table.

The expensive state (lexicon, segmenter, classifier, corpus index) lives in one ``Analyzer``
built once and reused for every script: a notebook or a batch worker creates it once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._resources import data_dir
from ._version import __version__
from .errors import SettingsError
from .lexicon import Lexicon, load_lexicon
from .model import Script
from .readers import read_script
from .segment import Segmenter, Tokens
from .timing import TimingProfile
from .tropes import LinePlace, TropeEvidence, TropeScore, lexicon_evidence, score_tropes
from .twists import (
    EpisodePacing,
    TwistEvent,
    TwistWindow,
    detect_twists,
    episode_pacing,
    pacing_summary,
    twist_windows,
)
from .util import records_frame

if TYPE_CHECKING:
    import pandas as pd

    from .classifier import TropeClassifier
    from .corpus import CorpusIndex
    from .originality import Originality
    from .twist_model import TwistModel

SCHEMA_VERSION = 1
TROPE_COLUMNS = ["trope", "name_zh", "name_en", "lexicon_score", "classifier_prob", "score",
                 "present", "evidence_count"]
EVIDENCE_COLUMNS = ["trope", "cue", "weight", "episode", "scene", "line", "time_s", "text"]
TWIST_COLUMNS = ["episode", "line", "time_s", "series_time_s", "category", "score", "cues", "text"]
WINDOW_COLUMNS = ["episode", "index", "start_s", "end_s", "n_twists", "categories", "partial"]
EPISODE_COLUMNS = ["episode", "duration_s", "n_twists", "density", "window_share",
                   "longest_gap_s", "first_twist_s", "ends_on_hook"]
# One row per script: the batch CSV and analyze_many share these columns.
ROW_COLUMNS = ["id", "path", "title", "format", "episodes", "duration_s", "top_tropes",
               "twist_density", "window_share", "longest_gap_s", "hook_share", "originality",
               "similarity_part", "reuse_part", "combination_part", "stock_part",
               "nearest_work", "nearest_similarity", "reused_passages", "status", "error"]


def default_model_dir() -> Path | None:
    """The trained models shipped with tropescan (``tropescan/data/models``)."""
    try:
        return data_dir("models")
    except FileNotFoundError:
        return None


def _model_path(root: str | Path | None, name: str) -> Path | None:
    base = Path(root) if root else default_model_dir()
    if base is None:
        return None
    path = base / name
    return path if (path / "model.json").exists() else None


@dataclass(frozen=True)
class Settings:
    """Everything that changes results; recorded in every report."""

    window_s: float = 15.0
    timing: TimingProfile = field(default_factory=TimingProfile)
    backend: str = "auto"
    lexicons: tuple[str, ...] = ()
    twist_threshold: float | None = None  # None: the twist model's (or the rule's) own
    top_k: int = 5
    use_classifier: bool = True
    use_twist_model: bool = True
    model_dir: str | None = None  # a `tropescan train -o DIR` folder; default: shipped models

    def __post_init__(self) -> None:
        if not (isinstance(self.window_s, int | float) and 1 <= self.window_s <= 600):
            raise SettingsError(f"window_s must be between 1 and 600 seconds, got {self.window_s!r}")
        if not (isinstance(self.top_k, int) and 1 <= self.top_k <= 100):
            raise SettingsError(f"top_k must be an int between 1 and 100, got {self.top_k!r}")
        if self.twist_threshold is not None and self.twist_threshold <= 0:
            raise SettingsError("twist_threshold must be > 0")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["lexicons"] = list(self.lexicons)
        return d


@dataclass
class Analysis:
    """Every result for one script. DataFrame properties are built on first use."""

    script: Script
    trope_scores: list[TropeScore]
    evidence_items: list[TropeEvidence]
    twist_events: list[TwistEvent]
    window_items: list[TwistWindow]
    episode_items: list[EpisodePacing]
    pacing: dict[str, Any]
    originality: Originality | None
    settings: Settings
    versions: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    tokens: Tokens | None = field(default=None, repr=False, compare=False)  # reused downstream

    # -- tables --------------------------------------------------------------------------
    @cached_property
    def tropes(self) -> pd.DataFrame:
        return records_frame(self.trope_scores, TROPE_COLUMNS)

    @cached_property
    def evidence(self) -> pd.DataFrame:
        return records_frame(self.evidence_items, EVIDENCE_COLUMNS)

    @cached_property
    def twists(self) -> pd.DataFrame:
        df = records_frame(self.twist_events, TWIST_COLUMNS)
        df["cues"] = df["cues"].map(lambda c: ";".join(c))
        return df

    @cached_property
    def windows(self) -> pd.DataFrame:
        return records_frame(self.window_items, WINDOW_COLUMNS)

    @cached_property
    def episodes(self) -> pd.DataFrame:
        return records_frame(self.episode_items, EPISODE_COLUMNS)

    @property
    def present_tropes(self) -> list[TropeScore]:
        return [t for t in self.trope_scores if t.present]

    # -- summaries -----------------------------------------------------------------------
    def summary_row(self) -> dict[str, Any]:
        """One row of the batch table."""
        o = self.originality
        parts = o.parts if o else {}
        nearest = o.nearest_items[0] if o and o.nearest_items else None
        return {
            "id": self.script.id, "path": self.script.path, "title": self.script.title,
            "format": self.script.format, "episodes": len(self.script.episodes),
            "duration_s": round(self.script.duration_s, 1),
            "top_tropes": ";".join(t.trope for t in self.present_tropes),
            "twist_density": self.pacing["density"], "window_share": self.pacing["window_share"],
            "longest_gap_s": self.pacing["longest_gap_s"], "hook_share": self.pacing["hook_share"],
            "originality": o.score if o else None,
            "similarity_part": parts.get("similarity"), "reuse_part": parts.get("reuse"),
            "combination_part": parts.get("combination"), "stock_part": parts.get("stock"),
            "nearest_work": nearest.title if nearest else None,
            "nearest_similarity": nearest.similarity if nearest else None,
            "reused_passages": len(o.passage_items) if o else 0,
            "status": "ok", "error": "",
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (``scan --format json``): see docs/formats.md."""
        from .report.serialize import analysis_to_dict

        return analysis_to_dict(self)

    # -- plots ---------------------------------------------------------------------------
    def plot_timeline(self, **kwargs: Any) -> Any:
        from .report.plots import plot_twist_timeline

        return plot_twist_timeline(self, **kwargs).figure_

    def plot_episodes(self, **kwargs: Any) -> Any:
        from .report.plots import plot_episode_density

        return plot_episode_density(self, **kwargs).figure_

    def plot_tropes(self, **kwargs: Any) -> Any:
        from .report.plots import plot_trope_scores

        return plot_trope_scores(self, **kwargs).figure_


_SAMPLE = "sample"


class Analyzer:
    """Builds the shared state once; ``analyze`` many scripts with it.

    Parameters
    ----------
    settings : ``Settings``.
    corpus : ``"sample"`` (the bundled sample corpus index, built on first use and cached),
        a path to an index folder, a ``CorpusIndex``, or ``None`` for no originality.
    """

    def __init__(self, settings: Settings | None = None, *,
                 corpus: CorpusIndex | str | os.PathLike[str] | None = _SAMPLE,
                 lexicon: Lexicon | None = None, classifier: TropeClassifier | None = None) -> None:
        self.settings = settings or Settings()
        self.lexicon = lexicon or load_lexicon(self.settings.lexicons)
        self._corpus_arg = corpus
        self._classifier = classifier
        self.warnings: list[str] = []

    @cached_property
    def segmenter(self) -> Segmenter:
        return Segmenter.for_lexicon(self.lexicon, self.settings.backend)  # type: ignore[arg-type]

    @cached_property
    def classifier(self) -> TropeClassifier | None:
        if self._classifier is not None:
            return self._classifier
        if not self.settings.use_classifier:
            return None
        from .classifier import TropeClassifier

        return self._load_model("trope_classifier", TropeClassifier.load,
                                "trope scores use the lexicon only")

    @cached_property
    def twist_model(self) -> TwistModel | None:
        if not self.settings.use_twist_model:
            return None
        from .twist_model import TwistModel

        return self._load_model("twist_model", TwistModel.load, "twists use the lexicon rule")

    def _load_model(self, name: str, loader: Any, fallback: str) -> Any:
        path = _model_path(self.settings.model_dir, name)
        if path is None:
            self.warnings.append(f"no trained {name.replace('_', ' ')} found: {fallback} "
                                 "(run `tropescan train`)")
            return None
        return loader(path)

    @cached_property
    def corpus(self) -> CorpusIndex | None:
        from .corpus import CorpusIndex, sample_index

        arg = self._corpus_arg
        if arg is None or isinstance(arg, CorpusIndex):
            return arg
        if isinstance(arg, str) and arg == _SAMPLE:
            return sample_index(self)
        return CorpusIndex.load(Path(arg), lexicon=self.lexicon)

    def versions(self) -> dict[str, str]:
        clf = self.classifier
        twm = self.twist_model
        return {
            "tropescan": __version__,
            "lexicon": self.lexicon.version,
            "segmenter": f"{self.segmenter.backend}:{self.segmenter.dictionary_checksum}",
            "classifier": str(clf.meta_.get("fingerprint", "")) if clf else "",
            "twist_model": str(twm.meta_.get("fingerprint", "")) if twm else "",
            "tropes_method": "combined.v1",
            "twists_method": "twists.v3" if twm else "twists.v1",
            "originality_method": "originality.v1",
        }

    def read(self, path: str | os.PathLike[str], **kwargs: Any) -> Script:
        return read_script(path, timing=self.settings.timing, **kwargs)

    def tag_tropes(self, script: Script, tokens: Tokens | None = None
                   ) -> tuple[Tokens, LinePlace, list[TropeEvidence], list[TropeScore]]:
        """Segment once (unless ``tokens`` are given) and score the tropes: the part of
        ``analyze`` an index build needs."""
        tokens = tokens or self.segmenter.tokenize(script.text)
        place = LinePlace.of(script)
        evidence = lexicon_evidence(script, tokens, self.lexicon, place)
        probs = None
        if self.classifier is not None:
            from .classifier import name_words, strip_names

            names = name_words([*script.speakers, *script.cast])
            probs = self.classifier.predict_one(strip_names(tokens.words, names))
        return tokens, place, evidence, score_tropes(script, evidence, self.lexicon, probs)

    def analyze(self, source: str | os.PathLike[str] | Script, *, exclude_self: bool = True,
                **read_kwargs: Any) -> Analysis:
        script = source if isinstance(source, Script) else self.read(source, **read_kwargs)
        tokens, place, evidence, scores = self.tag_tropes(script)
        events = detect_twists(script, tokens, self.lexicon, model=self.twist_model,
                               threshold=self.settings.twist_threshold, place=place)
        windows = twist_windows(script, events, self.settings.window_s)
        pacing = episode_pacing(script, events, windows, self.settings.window_s)
        summary = pacing_summary(pacing, windows, self.settings.window_s)
        originality = None
        corpus = self.corpus
        if corpus is not None:
            from .originality import score_originality

            originality = score_originality(script, tokens, scores, corpus, self.lexicon,
                                            top_k=self.settings.top_k, exclude_self=exclude_self)
        return Analysis(script, scores, evidence, events, windows, pacing, summary, originality,
                        self.settings, self.versions(), [*self.warnings, *script.warnings],
                        tokens=tokens)


def analyze(source: str | os.PathLike[str] | Script, *,
            corpus: CorpusIndex | str | os.PathLike[str] | None = _SAMPLE,
            settings: Settings | None = None, **kwargs: Any) -> Analysis:
    """Analyse one script: tropes, twists, originality.

    For many scripts build one ``Analyzer`` (or use ``analyze_many``): the segmenter,
    classifier and corpus index are then loaded once.
    """
    return Analyzer(settings, corpus=corpus).analyze(source, **kwargs)


def analyze_many(paths: Sequence[str | os.PathLike[str]], *, jobs: int = 1,
                 corpus: CorpusIndex | str | os.PathLike[str] | None = _SAMPLE,
                 settings: Settings | None = None, scheduler: str | None = None) -> pd.DataFrame:
    """One row per script, in the order of ``paths``, with the batch table's columns
    (``ROW_COLUMNS``), failures included."""
    import pandas as pd

    from .batch import run_batch

    # Workers finish in any order; rows come back in the order of ``paths``.
    order = {str(Path(p)): k for k, p in enumerate(paths)}
    results = sorted(run_batch([Path(p) for p in paths], jobs=jobs, corpus=corpus,
                               settings=settings, scheduler=scheduler),
                     key=lambda r: order[r.path])
    return pd.DataFrame([r.row for r in results], columns=ROW_COLUMNS)
