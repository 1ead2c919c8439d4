"""The public library API for one script: ``Analyzer``, ``Analysis``, ``analyze``.

Input: a path or a parsed ``Script``. Output: an ``Analysis`` holding every stage's results as
dataclasses, with DataFrame views built here, at the edge, one place per table.

The expensive state (lexicon, segmenter, classifier, twist model, corpus index) lives in one
``Analyzer`` built once and reused for every script: a notebook or a batch worker creates it
once, and ``analyze`` reuses a cached default one (``default_analyzer``). Layer 4: it knows
the stages below it and the sample corpus; many files at once are ``batch``'s business.
"""

from __future__ import annotations

import contextlib
import functools
import os
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._resources import corpus_dir, data_dir
from ._version import __version__
from .chunks import MINHASH_SCHEME
from .classifier import TropeClassifier
from .comparison import Comparison, Side, compare_works
from .corpus import CorpusIndex, IndexOrigin, WorkFeatures, work_features
from .errors import Errors, SettingsError, TropescanError
from .index_store import FORMAT as INDEX_FORMAT
from .lexicon import Lexicon, LinePlace, load_lexicon
from .model import Script
from .normalize import counted_chars
from .originality import Originality, score_originality
from .readers import read_script
from .readers.catalogue import rows_of, script_from_text
from .report.plots import plot_episode_density, plot_trope_scores, plot_twist_timeline
from .report.serialize import analysis_to_dict
from .schema import (  # noqa: F401  (re-exported: the public column lists)
    CATALOGUE_COLUMNS,
    EPISODE_COLUMNS,
    EVIDENCE_COLUMNS,
    ORIGINALITY_METHOD,
    ROW_COLUMNS,
    SCHEMA_VERSION,
    TROPE_COLUMNS,
    TROPES_METHOD,
    TWIST_COLUMNS,
    TWISTS_MODEL_METHOD,
    TWISTS_RULE_METHOD,
    WINDOW_COLUMNS,
)
from .segment import Segmenter, Tokens, name_words
from .skeleton import BeatInventory, load_beats
from .sources import Source, resolve_sources
from .timing import TimingProfile
from .tropes import (
    FRONT_MATTER,
    Block,
    TropeEvidence,
    TropeScore,
    block_speakers,
    front_evidence,
    front_text,
    lexicon_evidence,
    rule_fingerprint,
    score_tropes,
)
from .twist_model import TwistModel
from .twists import (
    EpisodePacing,
    TwistEvent,
    TwistWindow,
    twist_timeline,
)
from .util import cache_dir, fingerprint, records_frame

if TYPE_CHECKING:
    import pandas as pd


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
            raise SettingsError(Errors.WINDOW_RANGE(got=self.window_s))
        if not (isinstance(self.top_k, int) and 1 <= self.top_k <= 100):
            raise SettingsError(Errors.TOP_K_RANGE(got=self.top_k))
        if self.twist_threshold is not None and self.twist_threshold <= 0:
            raise SettingsError(Errors.TWIST_THRESHOLD)

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
    # twist category -> its Chinese name, from the lexicon the analysis used (for charts)
    twist_names: dict[str, str] = field(default_factory=dict)

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
            "borrowed_part": parts.get("borrowed"), "plot_part": parts.get("plot"),
            "combination_part": parts.get("combination"), "stock_part": parts.get("stock"),
            "nearest_work": nearest.title if nearest else None,
            "nearest_similarity": nearest.similarity if nearest else None,
            "reused_passages": len(o.passage_items) if o else 0,
            "borrowed_share": o.details.get("borrowed_share") if o else None,
            "nearest_plot": o.plot_items[0].title if o and o.plot_items else None,
            "plot_similarity": o.plot_items[0].plot_similarity if o and o.plot_items else None,
            "status": "ok", "error": "",
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON report (``scan --format json``): see docs/formats.md."""
        return analysis_to_dict(self)

    # -- plots ---------------------------------------------------------------------------
    def plot_timeline(self, **kwargs: Any) -> Any:
        return plot_twist_timeline(self, **kwargs).figure_

    def plot_episodes(self, **kwargs: Any) -> Any:
        return plot_episode_density(self, **kwargs).figure_

    def plot_tropes(self, **kwargs: Any) -> Any:
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
    def beats(self) -> BeatInventory:
        """The plot-beat inventory (situations, twist categories, tropes)."""
        return load_beats(self.lexicon)

    @cached_property
    def segmenter(self) -> Segmenter:
        return Segmenter.for_lexicon(self.lexicon, self.settings.backend)  # type: ignore[arg-type]

    @cached_property
    def classifier(self) -> TropeClassifier | None:
        if self._classifier is not None:
            return self._classifier
        if not self.settings.use_classifier:
            return None
        return self._load_model("trope_classifier", TropeClassifier.load,
                                "trope scores use the lexicon only")

    @cached_property
    def twist_model(self) -> TwistModel | None:
        if not self.settings.use_twist_model:
            return None
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
        arg = self._corpus_arg
        if arg is None or isinstance(arg, CorpusIndex):
            return arg
        if isinstance(arg, str) and arg == _SAMPLE:
            return sample_index(self)
        index = CorpusIndex.load(Path(arg), lexicon_version=self.lexicon.version)
        index.check_compatible(self.index_origin())
        return index

    def index_origin(self) -> IndexOrigin:
        """What an index built or queried with this analyzer depends on."""
        return IndexOrigin(self.lexicon.version, self.segmenter.backend,
                           self.segmenter.dictionary_checksum, self.beats.version)

    def versions(self) -> dict[str, str]:
        clf = self.classifier
        twm = self.twist_model
        return {
            "tropescan": __version__,
            "lexicon": self.lexicon.version,
            "segmenter": f"{self.segmenter.backend}:{self.segmenter.dictionary_checksum}",
            "classifier": str(clf.meta_.get("fingerprint", "")) if clf else "",
            "twist_model": str(twm.meta_.get("fingerprint", "")) if twm else "",
            "tropes_method": TROPES_METHOD,
            "twists_method": TWISTS_MODEL_METHOD if twm else TWISTS_RULE_METHOD,
            "originality_method": ORIGINALITY_METHOD,
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
        front = front_text(script)
        front_tokens = self.segmenter.tokenize(front) if front else None
        if front_tokens is not None:
            evidence = front_evidence(script, front_tokens, self.lexicon) + evidence
        classify = None
        if self.classifier is not None:
            classifier = self.classifier

            def classify(blocks: list[Block]) -> list[dict[str, float]]:
                # one batch over one token list: the script's, then the front matter's
                words = tokens.words + (front_tokens.words if front_tokens is not None else [])
                # the block's own speakers: names from later episodes must not change what
                # an earlier block says (adding episodes never removes a trope)
                speakers = block_speakers(script, blocks)
                cast = name_words(script.cast)
                names_of = {who: name_words([who]) for who in set().union(*speakers)}
                spans = []
                for block, said in zip(blocks, speakers, strict=True):
                    i, j = ((len(tokens.words), len(words))
                            if block.first == FRONT_MATTER and front_tokens is not None
                            else tokens.index_range(block.start, block.end))
                    spans.append((i, j, cast.union(*(names_of[who] for who in said))))
                return classifier.predict_spans(words, spans)

        scores = score_tropes(script, evidence, self.lexicon, classify,
                              front_chars=counted_chars(front))
        return tokens, place, evidence, scores

    def work_features(self, source: Source) -> WorkFeatures:
        """What a corpus index keeps of one work (twists are not indexed). Raises
        ``TropescanError`` for a file that cannot be read."""
        script = self.read(source.path)
        tokens, _, _, scores = self.tag_tropes(script)
        return work_features(script, tokens, scores, list(self.lexicon.stock_lines),
                             meta={**source.meta, "path": str(source.path)}, beats=self.beats)

    def analyze(self, source: str | os.PathLike[str] | Script, *, exclude_self: bool = True,
                **read_kwargs: Any) -> Analysis:
        script = source if isinstance(source, Script) else self.read(source, **read_kwargs)
        tokens, place, evidence, scores = self.tag_tropes(script)
        events, windows, episodes, pacing = twist_timeline(
            script, tokens, self.lexicon, model=self.twist_model,
            threshold=self.settings.twist_threshold, window_s=self.settings.window_s, place=place)
        originality = None
        if self.corpus is not None:
            originality = score_originality(script, tokens, scores, self.corpus, self.lexicon,
                                            top_k=self.settings.top_k, exclude_self=exclude_self,
                                            beats=self.beats)
        return Analysis(script, scores, evidence, events, windows, episodes, pacing, originality,
                        self.settings, self.versions(), [*self.warnings, *script.warnings],
                        tokens=tokens,
                        twist_names={k: c.name_zh for k, c in self.lexicon.twists.items()})


    def side(self, source: str | os.PathLike[str] | Script, **read_kwargs: Any) -> Side:
        """A work ready to compare: read, segmented, tropes tagged."""
        script = source if isinstance(source, Script) else self.read(source, **read_kwargs)
        tokens, _, _, scores = self.tag_tropes(script)
        return Side(script, tokens, scores)

    def compare(self, a: str | os.PathLike[str] | Script, b: str | os.PathLike[str] | Script
                ) -> Comparison:
        """Two works side by side (``comparison``), with the corpus's term weights."""
        return compare_works(self.side(a), self.side(b), lexicon=self.lexicon,
                             beats=self.beats, background=self.corpus)

    def tag_text(self, text: str, *, id: str = "text", title: str = "") -> list[TropeScore]:
        """Trope scores of a synopsis, an outline or any script text."""
        return self.tag_tropes(script_from_text(text, id=id, title=title,
                                                timing=self.settings.timing))[3]

    def tag_catalogue(self, frame: pd.DataFrame, *, text_column: str,
                      title_column: str | None = None) -> pd.DataFrame:
        """A catalogue in, the same catalogue out with ``CATALOGUE_COLUMNS`` added: every
        row's text (a synopsis, an outline) tagged as its own work."""
        rows = rows_of(frame, text_column=text_column, title_column=title_column)
        by_row = {row.id: row for row in rows}
        out = frame.copy()
        tags: dict[str, list[str]] = {c: [] for c in CATALOGUE_COLUMNS}
        for k in range(len(frame)):
            row = by_row.get(str(k + 1))
            present = ([s for s in self.tag_text(row.text, id=row.id, title=row.title)
                        if s.present] if row else [])
            tags["tropes"].append(";".join(s.trope for s in present))
            tags["tropes_zh"].append("、".join(s.name_zh for s in present))
            tags["trope_scores"].append(";".join(f"{s.trope}:{s.score:.2f}" for s in present))
        for column, values in tags.items():
            out[column] = values
        return out


CorpusArg = CorpusIndex | str | os.PathLike[str] | None


@functools.lru_cache(maxsize=4)
def _cached_analyzer(settings: Settings | None, corpus: str | None) -> Analyzer:
    return Analyzer(settings, corpus=corpus)


def default_analyzer(settings: Settings | None = None, corpus: CorpusArg = _SAMPLE) -> Analyzer:
    """A shared ``Analyzer`` for these settings and corpus, built on first use.

    The explicit cache behind ``analyze``: calling ``analyze(p)`` again in one process reuses
    the segmenter, models and index (0.02–0.03 s a call instead of 0.07–0.10 s). An index
    given by path is loaded once; ``default_analyzer.cache_clear()`` forgets them all. A
    ``CorpusIndex`` object is never cached: it gets an analyzer of its own.
    """
    if isinstance(corpus, CorpusIndex):
        return Analyzer(settings, corpus=corpus)
    return _cached_analyzer(settings, None if corpus is None else str(corpus))


default_analyzer.cache_clear = _cached_analyzer.cache_clear  # type: ignore[attr-defined]


def analyze(source: str | os.PathLike[str] | Script, *, corpus: CorpusArg = _SAMPLE,
            settings: Settings | None = None, **kwargs: Any) -> Analysis:
    """Analyse one script: tropes, twists, originality.

    Reuses one ``Analyzer`` per (settings, corpus) for the process (``default_analyzer``);
    for many files at once see ``batch.analyze_many``.
    """
    return default_analyzer(settings, corpus).analyze(source, **kwargs)


def compare(a: str | os.PathLike[str] | Script, b: str | os.PathLike[str] | Script, *,
            corpus: CorpusArg = _SAMPLE, settings: Settings | None = None) -> Comparison:
    """Compare two works: text similarity, borrowed wording both ways with the passages side
    by side, trope overlap, plot-skeleton similarity with the aligned beats."""
    return default_analyzer(settings, corpus).compare(a, b)


def tag_catalogue(frame: pd.DataFrame, *, text_column: str, title_column: str | None = None,
                  settings: Settings | None = None) -> pd.DataFrame:
    """Tag every row of a catalogue DataFrame (see ``Analyzer.tag_catalogue``)."""
    return default_analyzer(settings, None).tag_catalogue(frame, text_column=text_column,
                                                          title_column=title_column)


# -- the sample corpus: tropescan's default reference ------------------------------------------

def sample_index(analyzer: Analyzer) -> CorpusIndex:
    """The bundled sample corpus index: built on first use, cached in the user cache folder
    under a key of every input that changes it."""
    manifest = corpus_dir() / "manifest.csv"
    key = fingerprint([__version__, INDEX_FORMAT, MINHASH_SCHEME, analyzer.lexicon.version,
                       rule_fingerprint(), analyzer.beats.version,
                       analyzer.segmenter.backend,
                       analyzer.segmenter.dictionary_checksum, manifest.read_bytes(),
                       str(analyzer.versions().get("classifier", ""))])
    cache = cache_dir()
    path = cache / f"sample-index-{key}"
    if (path / "index.json").exists():
        try:
            return CorpusIndex.load(path, lexicon_version=analyzer.lexicon.version)
        except TropescanError:
            pass  # a damaged cache is rebuilt below
    builder = Analyzer(analyzer.settings, corpus=None, lexicon=analyzer.lexicon,
                       classifier=analyzer.classifier)
    feats = [builder.work_features(s) for s in resolve_sources(manifest)]
    index = CorpusIndex.from_features(feats, origin=builder.index_origin())
    with contextlib.suppress(OSError):  # a read-only cache only costs a rebuild next time
        index.save(path)
    return index
