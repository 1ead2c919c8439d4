"""Many scripts: a local process pool or a Dask cluster, per-file errors, resumable output.

Input: script paths and ``Settings``. Output: one ``FileResult`` per path (a table row, and
optionally the work's index features for comparing submissions with each other).

Each worker process builds its own ``Analyzer`` once (lexicon, segmenter, classifier, corpus
index memory-mapped from disk) and keeps it in ``_WORKER`` for the life of that process; the
parent never ships those objects. A file that fails becomes a row with ``status=error`` and
its reason: one bad submission never stops a contest's batch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import TropescanError

if TYPE_CHECKING:
    from .api import Analyzer, Settings
    from .corpus import CorpusIndex, WorkFeatures

# Worker-process state: one Analyzer per (settings, corpus) in each worker process.
_WORKER: dict[tuple[Any, ...], Any] = {}


@dataclass
class FileResult:
    path: str
    row: dict[str, Any]
    features: WorkFeatures | None = None
    report_path: str | None = None

    @property
    def ok(self) -> bool:
        return self.row.get("status") == "ok"


def error_row(path: Path | str, message: str) -> dict[str, Any]:
    from .api import ROW_COLUMNS

    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update({"id": Path(path).stem, "path": str(path), "status": "error", "error": message,
                "reused_passages": 0})
    return row


def _describe(exc: BaseException, path: Path | str) -> str:
    if isinstance(exc, TropescanError):
        return exc.message
    if isinstance(exc, MemoryError):
        return "out of memory while reading this file"
    return f"internal error: {type(exc).__name__}: {exc}"[:300]


def _worker_analyzer(settings: Settings | None, corpus: str | None) -> Analyzer:
    from .api import Analyzer

    key = (settings, corpus)
    analyzer = _WORKER.get(key)
    if analyzer is None:
        analyzer = Analyzer(settings, corpus=corpus)
        _WORKER[key] = analyzer
    return analyzer  # type: ignore[no-any-return]


def analyze_file(path: str, settings: Settings | None, corpus: str | None,
                 reports_dir: str | None = None, want_features: bool = False) -> FileResult:
    """The unit of work of a batch: never raises for a bad file."""
    try:
        analyzer = _worker_analyzer(settings, corpus)
        analysis = analyzer.analyze(path)
        script, tokens = analysis.script, analysis.tokens
        assert tokens is not None
        row = analysis.summary_row()
        row["path"] = str(path)
        features = None
        if want_features:
            from .corpus import work_features

            o = analysis.originality
            features = work_features(script, tokens, analysis.trope_scores,
                                     list(analyzer.lexicon.boilerplate),
                                     meta={"id": row["id"], "path": str(path)},
                                     data=o.match_data if o is not None else None)
        report_path = None
        if reports_dir:
            from .report.html import write_report

            report_path = str(write_report(analysis, Path(reports_dir)))
        return FileResult(str(path), row, features, report_path)
    except Exception as exc:  # one bad file must not stop the batch
        return FileResult(str(path), error_row(path, _describe(exc, path)))


def work_features_file(path: str, meta: dict[str, str], settings: Settings | None) -> Any:
    """Index features of one work, or ``(path, message)`` when it cannot be read."""
    try:
        analyzer = _worker_analyzer(settings, None)
        script = analyzer.read(path)
        tokens, _, _, scores = analyzer.tag_tropes(script)  # twists are not indexed
        from .corpus import work_features

        return work_features(script, tokens, scores,
                             list(analyzer.lexicon.boilerplate), meta={**meta, "path": str(path)})
    except Exception as exc:
        return (str(path), _describe(exc, path))


def _run(fn: Callable[..., Any], arglists: Sequence[tuple[Any, ...]], *, jobs: int,
         scheduler: str | None, progress: Callable[[int, int], None] | None,
         warm: Callable[[], Any] | None = None) -> Iterator[Any]:
    """Run ``fn(*args)`` for each arglist; yield results as they finish."""
    total = len(arglists)
    scheduler = scheduler or os.environ.get("TROPESCAN_SCHEDULER") or None
    done = 0
    if scheduler:
        yield from _run_dask(fn, arglists, scheduler, progress)
        return
    if jobs <= 1 or total <= 1:
        for args in arglists:
            result = fn(*args)
            done += 1
            if progress:
                progress(done, total)
            yield result
        return
    import multiprocessing

    # Where fork exists (Linux), the parent loads the worker state once (segmenter, models,
    # index) and forked workers inherit it: a spawned worker spends ~0.65 s of CPU loading it
    # again, which halves the gain of --jobs 2 on a small batch. Elsewhere: spawn.
    if warm is not None and "fork" in multiprocessing.get_all_start_methods():
        warm()
        ctx = multiprocessing.get_context("fork")
    else:
        ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        pending: set[Future[Any]] = set()
        queue = list(arglists)
        queue.reverse()
        while queue or pending:
            while queue and len(pending) < jobs * 2:
                pending.add(pool.submit(fn, *queue.pop()))
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                done += 1
                if progress:
                    progress(done, total)
                yield fut.result()


def _run_dask(fn: Callable[..., Any], arglists: Sequence[tuple[Any, ...]], scheduler: str,
              progress: Callable[[int, int], None] | None) -> Iterator[Any]:
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise TropescanError("--scheduler needs Dask: pip install 'tropescan[dask]'") from exc
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise TropescanError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        futures = [client.submit(fn, *args, pure=False) for args in arglists]
        for k, fut in enumerate(as_completed(futures), start=1):
            if progress:
                progress(k, len(futures))
            yield fut.result()
    finally:
        client.close()


def map_works(items: Sequence[tuple[Path, dict[str, str]]], *, analyzer: Analyzer | None = None,
              jobs: int = 1, scheduler: str | None = None,
              progress: Callable[[int, int], None] | None = None) -> Iterator[Any]:
    """Index features for each (path, meta); in order of completion."""
    settings = analyzer.settings if analyzer is not None else None
    if (jobs <= 1 and not scheduler and not os.environ.get("TROPESCAN_SCHEDULER")
            and analyzer is not None):
        # In-process: use the caller's analyzer (and its classifier) directly.
        _WORKER[(settings, None)] = analyzer
    args = [(str(p), meta, settings) for p, meta in items]
    yield from _run(work_features_file, args, jobs=jobs, scheduler=scheduler, progress=progress,
                    warm=lambda: _worker_analyzer(settings, None).segmenter)


def corpus_arg(corpus: CorpusIndex | str | os.PathLike[str] | None, settings: Settings | None) -> str | None:
    """A corpus reference a worker can open by itself: saved indexes are paths; the sample
    index is built (and cached on disk) here first so workers only load it."""
    from .api import Analyzer
    from .corpus import CorpusIndex

    if corpus is None:
        return None
    if isinstance(corpus, CorpusIndex):
        path = corpus.meta.get("path")
        if not path:
            raise TropescanError("save the CorpusIndex before a parallel batch (index.save(path))")
        return str(path)
    if str(corpus) == "sample":
        analyzer = Analyzer(settings, corpus="sample")
        index = analyzer.corpus
        path = index.meta.get("path") if index is not None else None
        return str(path) if path else "sample"
    return str(corpus)


def _warm(settings: Settings | None, corpus: str | None) -> None:
    """Load everything a worker needs, in this process, before workers are forked from it."""
    analyzer = _worker_analyzer(settings, corpus)
    _ = analyzer.segmenter, analyzer.classifier, analyzer.twist_model, analyzer.corpus


def run_batch(paths: Sequence[Path], *, jobs: int = 1,
              corpus: CorpusIndex | str | os.PathLike[str] | None = "sample",
              settings: Settings | None = None, scheduler: str | None = None,
              reports_dir: Path | None = None, want_features: bool = False,
              progress: Callable[[int, int], None] | None = None) -> Iterator[FileResult]:
    """Analyse every path; yield a ``FileResult`` per file as it finishes."""
    ref = corpus_arg(corpus, settings)
    args = [(str(p), settings, ref, str(reports_dir) if reports_dir else None, want_features)
            for p in paths]
    yield from _run(analyze_file, args, jobs=jobs, scheduler=scheduler, progress=progress,
                    warm=lambda: _warm(settings, ref))
