"""Many scripts: a local process pool or a Dask cluster, per-file errors, order kept.

Input: script paths (or ``Source`` records) and ``Settings``. Output: one ``FileResult`` per
path (a table row, and optionally the work's index features for comparing submissions with
each other), ``analyze_many``'s DataFrame, and corpus indexes built from files
(``build_index``, ``add_to_index``, ``collection_index``).

Each worker process takes its ``Analyzer`` from ``api.default_analyzer``'s per-process cache
(lexicon, segmenter, classifier, corpus index memory-mapped from disk), built once for the
life of that process; the parent never ships those objects. A file that fails becomes a row
with ``status=error`` and its reason: one bad submission never stops a contest's batch.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .api import Analyzer, CorpusArg, Settings, default_analyzer, sample_index
from .corpus import MAX_TERMS, CorpusIndex, WorkFeatures, work_features
from .errors import CorpusIndexError, Errors, RunError, TropescanError
from .report.html import write_report
from .schema import ROW_COLUMNS, SMALL_COLLECTION
from .sources import Source, SourceArg, resolve_sources

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[int, int], None]
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass
class FileResult:
    """What a batch keeps of one file: its table row, its index features (when asked for)
    and the path of its HTML report (when written)."""

    path: str
    row: dict[str, Any]
    features: WorkFeatures | None = None
    report_path: str | None = None

    @property
    def ok(self) -> bool:
        return self.row.get("status") == "ok"


@dataclass(frozen=True)
class FeatureResult:
    """A work's index features, or why it could not be read."""

    path: str
    features: WorkFeatures | None
    error: str = ""


def error_row(path: Path | str, message: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    # the file's whole name: bad.srt and bad.txt failing side by side must stay apart
    row.update({"id": Path(path).name, "path": str(path), "status": "error", "error": message,
                "reused_passages": 0})
    return row


def describe(exc: BaseException) -> str:
    """The one-line reason a file failed, for its error row."""
    if isinstance(exc, TropescanError):  # the line, as `scan` shows it (broken.srt:6)
        return f"line {exc.line}: {exc.message}" if exc.line else exc.message
    if isinstance(exc, MemoryError):
        return "out of memory while reading this file"
    return f"internal error: {type(exc).__name__}: {exc}"[:300]


# -- the units of work ---------------------------------------------------------------------------

def analyze_file(path: str, settings: Settings | None, corpus: str | None,
                 reports_dir: str | None = None, want_features: bool = False) -> FileResult:
    """The unit of work of a batch: never raises for a bad file."""
    try:
        analyzer = default_analyzer(settings, corpus)
        analysis = analyzer.analyze(path)
        row = analysis.summary_row()
        row["path"] = str(path)
        features = None
        if want_features:
            o = analysis.originality
            assert analysis.tokens is not None
            features = work_features(analysis.script, analysis.tokens, analysis.trope_scores,
                                     list(analyzer.lexicon.stock_lines),
                                     meta={"id": row["id"], "path": str(path)},
                                     data=o.match_data if o is not None else None)
        report_path = str(write_report(analysis, Path(reports_dir))) if reports_dir else None
        return FileResult(str(path), row, features, report_path)
    except Exception as exc:  # one bad file must not stop the batch
        return FileResult(str(path), error_row(path, describe(exc)))


def features_with(analyzer: Analyzer, source: Source) -> FeatureResult:
    """Index features of one work with ``analyzer``; never raises for a bad file."""
    try:
        return FeatureResult(str(source.path), analyzer.work_features(source))
    except Exception as exc:
        return FeatureResult(str(source.path), None, describe(exc))


def work_features_file(path: str, meta: dict[str, str], settings: Settings | None
                       ) -> FeatureResult:
    """Index features of one work, in a worker process."""
    return features_with(default_analyzer(settings, None), Source(Path(path), meta))


# -- the pool ------------------------------------------------------------------------------------

def _scheduler(scheduler: str | None) -> str | None:
    return scheduler or os.environ.get("TROPESCAN_SCHEDULER") or None


def map_unordered(fn: Callable[..., Any], arglists: Sequence[tuple[Any, ...]], *, jobs: int = 1,
                  scheduler: str | None = None, progress: Progress | None = None,
                  warm: Callable[[], Any] | None = None) -> Iterator[tuple[int, Any]]:
    """``(k, fn(*arglists[k]))`` for every k, as each finishes: in this process, on a local
    pool of ``jobs`` processes, or on a Dask cluster."""
    total = len(arglists)
    scheduler = _scheduler(scheduler)
    if scheduler:
        yield from _run_dask(fn, arglists, scheduler, progress)
        return
    if jobs <= 1 or total <= 1:
        for k, args in enumerate(arglists):
            result = fn(*args)
            if progress:
                progress(k + 1, total)
            yield k, result
        return
    yield from _run_pool(fn, arglists, jobs, progress, warm)


def die_with_parent() -> None:
    """In a worker: ask the kernel to end this process when its parent dies (Linux), so a
    ``kill -9`` of a batch leaves no worker blocked on a pipe. Elsewhere a no-op: the pool's
    own shutdown ends workers whenever the parent can run it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


def map_ordered(fn: Callable[..., Any], arglists: Sequence[tuple[Any, ...]], **kwargs: Any
                ) -> list[Any]:
    """``map_unordered``'s results in the order of ``arglists``: a parallel or cluster run
    gives what a serial one gives."""
    out: list[Any] = [None] * len(arglists)
    for k, result in map_unordered(fn, arglists, **kwargs):
        out[k] = result
    return out


def _run_pool(fn: Callable[..., Any], arglists: Sequence[tuple[Any, ...]], jobs: int,
              progress: Progress | None, warm: Callable[[], Any] | None
              ) -> Iterator[tuple[int, Any]]:
    import multiprocessing

    # Where fork exists (Linux), the parent loads the worker state once (segmenter, models,
    # index) and forked workers inherit it: a spawned worker spends ~0.65 s of CPU loading it
    # again, which halves the gain of --jobs 2 on a small batch. Elsewhere: spawn.
    if warm is not None and "fork" in multiprocessing.get_all_start_methods():
        warm()
        ctx = multiprocessing.get_context("fork")
    else:
        ctx = multiprocessing.get_context("spawn")
    done, total = 0, len(arglists)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx,
                             initializer=die_with_parent) as pool:
        pending: dict[Future[Any], int] = {}
        queue = list(enumerate(arglists))
        queue.reverse()
        while queue or pending:
            while queue and len(pending) < jobs * 2:
                k, args = queue.pop()
                pending[pool.submit(fn, *args)] = k
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                k = pending.pop(fut)
                done += 1
                if progress:
                    progress(done, total)
                yield k, fut.result()


def _run_dask(fn: Callable[..., Any], arglists: Sequence[tuple[Any, ...]], scheduler: str,
              progress: Progress | None) -> Iterator[tuple[int, Any]]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise RunError(Errors.NEEDS_DASK) from exc
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise RunError(Errors.NO_SCHEDULER(address=scheduler, detail=exc)) from exc
    try:
        futures = {client.submit(fn, *args, pure=False): k for k, args in enumerate(arglists)}
        for done, fut in enumerate(as_completed(futures), start=1):
            if progress:
                progress(done, len(futures))
            yield futures[fut], fut.result()
    finally:
        client.close()


# -- many scripts --------------------------------------------------------------------------------

def corpus_arg(corpus: CorpusArg, settings: Settings | None) -> str | None:
    """A corpus reference a worker can open by itself: saved indexes are paths; the sample
    index is built (and cached on disk) here first so workers only load it."""
    if corpus is None:
        return None
    if isinstance(corpus, CorpusIndex):
        path = corpus.meta.get("path")
        if not path:
            raise RunError(Errors.UNSAVED_INDEX)
        return str(path)
    if str(corpus) == "sample":
        index = default_analyzer(settings, "sample").corpus
        path = index.meta.get("path") if index is not None else None
        return str(path) if path else "sample"
    return str(corpus)


def _warm(settings: Settings | None, corpus: str | None) -> None:
    """Load everything a worker needs, in this process, before workers are forked from it."""
    analyzer = default_analyzer(settings, corpus)
    _ = analyzer.segmenter, analyzer.classifier, analyzer.twist_model, analyzer.corpus


def run_batch(paths: Sequence[Path], *, jobs: int = 1, corpus: CorpusArg = "sample",
              settings: Settings | None = None, scheduler: str | None = None,
              reports_dir: Path | None = None, want_features: bool = False,
              progress: Progress | None = None) -> Iterator[FileResult]:
    """Analyse every path; yield a ``FileResult`` per file as it finishes."""
    ref = corpus_arg(corpus, settings)
    args = [(str(p), settings, ref, str(reports_dir) if reports_dir else None, want_features)
            for p in paths]
    for _, result in map_unordered(analyze_file, args, jobs=jobs, scheduler=scheduler,
                                   progress=progress, warm=lambda: _warm(settings, ref)):
        yield result


def analyze_many(paths: Sequence[str | os.PathLike[str]], *, jobs: int = 1,
                 corpus: CorpusArg = "sample", settings: Settings | None = None,
                 scheduler: str | None = None) -> pd.DataFrame:
    """One row per script, in the order of ``paths``, with the batch table's columns
    (``ROW_COLUMNS``), failures included."""
    import pandas as pd

    ref = corpus_arg(corpus, settings)
    args = [(str(Path(p)), settings, ref) for p in paths]
    results = map_ordered(analyze_file, args, jobs=jobs, scheduler=scheduler,
                          warm=lambda: _warm(settings, ref))
    return pd.DataFrame([r.row for r in results], columns=ROW_COLUMNS)


# -- corpus indexes from files -------------------------------------------------------------------

def feature_results(sources: Sequence[Source], analyzer: Analyzer, *, jobs: int = 1,
                    scheduler: str | None = None, progress: Progress | None = None
                    ) -> list[FeatureResult]:
    """Index features of every source, in the sources' order. In this process the caller's
    ``analyzer`` (and its classifier) is used as it is; workers build their own from its
    settings."""
    if jobs <= 1 and not _scheduler(scheduler):
        out = []
        for k, source in enumerate(sources):
            out.append(features_with(analyzer, source))
            if progress:
                progress(k + 1, len(sources))
        return out
    settings = analyzer.settings
    args = [(str(s.path), s.meta, settings) for s in sources]
    return map_ordered(work_features_file, args, jobs=jobs, scheduler=scheduler,
                       progress=progress, warm=lambda: default_analyzer(settings, None).segmenter)


def _features(sources: Sequence[Source], analyzer: Analyzer,
              on_error: Callable[[str, str], None] | None, **kwargs: Any) -> list[WorkFeatures]:
    feats = []
    for r in feature_results(sources, analyzer, **kwargs):
        if r.features is not None:
            feats.append(r.features)
        elif on_error is not None:
            on_error(r.path, r.error)
    return feats


def build_index(sources: SourceArg, *, analyzer: Analyzer | None = None,
                max_terms: int = MAX_TERMS, jobs: int = 1, scheduler: str | None = None,
                on_error: Callable[[str, str], None] | None = None,
                progress: Progress | None = None,
                reference: CorpusIndex | None = None) -> CorpusIndex:
    """Index a folder, a manifest CSV, or a list of script paths, in the sources' order (a
    parallel or cluster build is identical to a serial one).

    Files that cannot be read are skipped and reported through ``on_error(path, message)``;
    an index with no readable work is an error. ``reference``: an index whose vocabulary and
    idf the new one borrows (see ``CorpusIndex.from_features``). Without one, fewer than
    ``SMALL_COLLECTION`` works borrow the sample corpus's: two works alone would make every
    word they share look distinctive.
    """
    analyzer = analyzer or Analyzer(corpus=None)
    feats = _features(resolve_sources(sources), analyzer, on_error, jobs=jobs,
                      scheduler=scheduler, progress=progress)
    if not feats:
        raise CorpusIndexError(Errors.NOTHING_TO_INDEX)
    if reference is None and len(feats) < SMALL_COLLECTION:
        reference = sample_index(analyzer)
    return CorpusIndex.from_features(feats, origin=analyzer.index_origin(), max_terms=max_terms,
                                     reference=reference)


def add_to_index(index: CorpusIndex, sources: SourceArg, *, analyzer: Analyzer | None = None,
                 on_error: Callable[[str, str], None] | None = None, jobs: int = 1) -> int:
    """Add works to ``index`` with its vocabulary and idf; works whose text is already in the
    index are skipped. Returns the number added."""
    analyzer = analyzer or Analyzer(corpus=None)
    index.check_compatible(analyzer.index_origin())
    return index.add_features(_features(resolve_sources(sources), analyzer, on_error, jobs=jobs))


def collection_index(source: Path, *, analyzer: Analyzer | None = None, jobs: int = 1,
                     on_error: Callable[[str, str], None] | None = None,
                     progress: Progress | None = None) -> CorpusIndex:
    """The index of a collection to measure: an index folder as it is, or a folder (or
    manifest) of scripts indexed now with the sample corpus's word weights, whatever its size:
    a pair's similarity then depends on the pair alone, never on which other works joined
    the collection (with weights learned from the collection, s009–s078 was 0.72 among 78
    works and 0.85 among 68)."""
    analyzer = analyzer or Analyzer(corpus=None)
    if (source / "index.json").exists():
        return CorpusIndex.load(source, lexicon_version=analyzer.lexicon.version)
    return build_index(source, analyzer=analyzer, jobs=jobs, on_error=on_error,
                       progress=progress, reference=sample_index(analyzer))
