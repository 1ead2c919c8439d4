"""The ``tropescan`` command: click commands only, each a few lines over the library.

stdout carries results (table, JSON, CSV); stderr carries errors, warnings and progress.
Exit codes: 0 ok, 1 bad input or some inputs failed, 2 usage error, 3 a ``--fail-under``
gate failed.
"""

from __future__ import annotations

import functools
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ._version import __version__
from .errors import SettingsError, TropescanError

READ_FORMATS = ("text", "markdown", "fountain", "srt", "ass", "docx")


class TropescanClickError(click.ClickException):
    exit_code = 1

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.message}", err=True)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line on stderr and exit 1; hide tracebacks unless -v."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TropescanError as exc:
            # A setting out of range is a usage error (exit 2), like click's own range checks.
            raise TropescanClickError(str(exc), 2 if isinstance(exc, SettingsError) else 1
                                      ) from exc
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            sys.exit(1)
        except Exception as exc:
            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.find_root().params.get("verbose"):
                raise
            raise TropescanClickError(
                f"internal error: {type(exc).__name__}: {exc} (rerun with -v for the traceback)"
            ) from exc

    return wrapper


def reading_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that reads scripts."""
    decorators = [
        click.option("--read-as", "read_as", type=click.Choice(READ_FORMATS),
                     help="Force the input format instead of detecting it from the extension."),
        click.option("--encoding", help="Force the text encoding (e.g. gb18030, big5)."),
        click.option("--cps", "dialogue_cps", type=click.FloatRange(min=0.5, max=20), default=5.0,
                     show_default=True, help="Dialogue speech rate, characters per second."),
        click.option("--action-cps", type=click.FloatRange(min=0.5, max=50), default=8.0,
                     show_default=True, help="Action lines, characters per second of screen."),
        click.option("--scene-pause", type=click.FloatRange(min=0, max=30), default=1.0,
                     show_default=True, help="Seconds added at each scene change."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def read_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Pop the reading options into ``read_script`` keyword arguments."""
    from .timing import TimingProfile

    profile = TimingProfile(
        dialogue_cps=kwargs.pop("dialogue_cps"),
        action_cps=kwargs.pop("action_cps"),
        scene_change_s=kwargs.pop("scene_pause"),
    )
    return {"format": kwargs.pop("read_as"), "encoding": kwargs.pop("encoding"), "timing": profile}


def emit(text: str, output: str | None) -> None:
    """Write a result to stdout or, atomically, to a file."""
    if output and output != "-":
        from .util import atomic_write_text

        atomic_write_text(Path(output), text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tropescan")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for unexpected errors.")
def main(verbose: bool) -> None:
    """tropescan: how formulaic is a Chinese mini-series (微短剧) script?

    \b
    Examples:
      tropescan scan draft.txt              # tropes, twists, originality
      tropescan batch submissions/ -o results.csv --reports reports/
      tropescan parse draft.docx --format json
    """
    # Library warnings (e.g. no CJK font for plots) reach people as one line on stderr.
    def show(message: Any, category: Any, filename: Any, lineno: Any, file: Any = None,
             line: Any = None) -> None:
        click.echo(f"warning: {message}", err=True)

    warnings.showwarning = show


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@reading_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: structure summary; json: the whole parsed script.")
@click.option("-o", "--output", help="Write to this file instead of stdout.")
@handle_errors
def parse(file: Path, fmt: str, output: str | None, **kwargs: Any) -> None:
    """Show the structure tropescan reads in a script: episodes, scenes, speakers, times.

    \b
    Example:
      tropescan parse draft.txt
      tropescan parse subs.srt --format json -o parsed.json
    """
    from .readers import read_script
    from .report.serialize import script_summary, script_to_dict

    script = read_script(file, **read_kwargs(kwargs))
    for warning in script.warnings:
        click.echo(f"warning: {file}: {warning}", err=True)
    if fmt == "json":
        emit(dumps(script_to_dict(script)), output)
        return
    from .report.terminal import render_parse

    emit(render_parse(script_summary(script)), output)


# -- shared options ----------------------------------------------------------------------------

def analysis_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options of every command that analyses scripts."""
    decorators = [
        click.option("--lexicon", "lexicons", multiple=True, type=click.Path(path_type=Path),
                     help="An extra lexicon file (trope, twist or stock-line TOML); repeatable."),
        click.option("--window", "window_s", type=click.FloatRange(min=1, max=600), default=15.0,
                     show_default=True, help="Window length in seconds for twist density."),
        click.option("--models", "model_dir", type=click.Path(path_type=Path, file_okay=False),
                     help="Use models from `tropescan train -o DIR` instead of the shipped ones."),
        click.option("--backend", type=click.Choice(["auto", "jieba", "rjieba"]), default="auto",
                     show_default=True, help="Segmenter: rjieba (fast) or jieba (reference)."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return reading_options(func)


def corpus_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--corpus", default="sample", show_default=True,
        help="Reference corpus: an index folder from `tropescan index build`, 'sample' (the "
             "bundled sample corpus) or 'none' (skip originality).")(func)


def make_settings(kwargs: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Pop analysis options into ``Settings`` and ``read_script`` keyword arguments."""
    from .api import Settings

    reading = read_kwargs(kwargs)
    settings = Settings(
        window_s=kwargs.pop("window_s"), timing=reading.pop("timing"),
        backend=kwargs.pop("backend"),
        lexicons=tuple(str(p) for p in kwargs.pop("lexicons")),
        model_dir=str(kwargs.pop("model_dir")) if kwargs.get("model_dir") else None,
    )
    kwargs.pop("model_dir", None)
    return settings, {k: v for k, v in reading.items() if v is not None}


def corpus_value(corpus: str) -> str | None:
    return None if corpus.lower() == "none" else corpus


def show_progress() -> bool:
    return sys.stderr.isatty()


# -- writer: scan, tropes, twists -------------------------------------------------------------

@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@analysis_options
@corpus_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "html"]),
              default="table", show_default=True)
@click.option("-o", "--output", help="Write the report to this file (html: a file or folder).")
@click.option("--plot", "plot_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write timeline, episode and trope charts (PNG) into this folder.")
@click.option("--fail-under", type=click.FloatRange(0, 100),
              help="Exit 3 when an originality score is below this.")
@handle_errors
def scan(files: tuple[Path, ...], fmt: str, output: str | None, plot_dir: Path | None,
         fail_under: float | None, corpus: str, **kwargs: Any) -> None:
    """Analyse drafts: tropes with evidence, twist density, originality.

    \b
    Example:
      tropescan scan draft.txt
      tropescan scan draft.docx --format html -o draft.html --plot charts/
    """
    from .api import Analyzer

    if fail_under is not None and corpus_value(corpus) is None:
        raise click.UsageError("--fail-under needs an originality score: drop --corpus none")
    settings, reading = make_settings(kwargs)
    analyzer = Analyzer(settings, corpus=corpus_value(corpus))
    if fmt == "html" and len(files) > 1 and not output:
        raise click.UsageError("--format html with several files needs -o FOLDER "
                               "(one page per script)")
    analyses, failed = [], 0
    for file in files:
        try:
            analyses.append(analyzer.analyze(file, **reading))
        except TropescanError as exc:
            if len(files) == 1:
                raise
            failed += 1
            click.echo(f"Error: {exc}", err=True)
    if not analyses:  # every file failed: the errors above are the whole output
        sys.exit(1)
    emit_analyses(analyses, fmt, output)
    if plot_dir:
        write_plots(analyses, plot_dir)
    if failed:
        sys.exit(1)
    if fail_under is not None and any(
            a.originality is not None and a.originality.score < fail_under for a in analyses):
        sys.exit(3)


def emit_analyses(analyses: list[Any], fmt: str, output: str | None) -> None:
    if fmt == "json":
        doc: Any = analyses[0].to_dict() if len(analyses) == 1 else [a.to_dict() for a in analyses]
        emit(dumps(doc), output)
    elif fmt == "csv":
        from .report.tables import rows_to_csv

        emit(rows_to_csv([a.summary_row() for a in analyses]).rstrip("\n"), output)
    elif fmt == "html":
        from .report.html import render_report, write_report

        if output and (len(analyses) > 1 or Path(output).is_dir() or output.endswith("/")):
            for a in analyses:
                click.echo(f"wrote {write_report(a, Path(output))}", err=True)
        elif output:
            emit(render_report(analyses[0]), output)
        else:
            click.echo(render_report(analyses[0]))
    else:
        from .report.terminal import render_scan

        emit("\n\n".join(render_scan(a) for a in analyses), output)


def write_plots(analyses: list[Any], folder: Path) -> None:
    from .report.plots import save

    for a in analyses:
        for name, fig in (("timeline", a.plot_timeline()), ("episodes", a.plot_episodes()),
                          ("tropes", a.plot_tropes())):
            path = folder / f"{a.script.id}-{name}.png"
            save(fig, path)
            click.echo(f"wrote {path}", err=True)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@analysis_options
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--evidence", is_flag=True, help="List every evidence line instead of scores.")
@click.option("-o", "--output")
@handle_errors
def tropes(file: Path, fmt: str, evidence: bool, output: str | None, **kwargs: Any) -> None:
    """Which formula tropes a script uses, how strongly, and the lines that show it.

    \b
    Example:
      tropescan tropes draft.txt
      tropescan tropes draft.txt --evidence --format csv
    """
    from .api import Analyzer

    settings, reading = make_settings(kwargs)
    a = Analyzer(settings, corpus=None).analyze(file, **reading)
    frame = a.evidence if evidence else a.tropes
    if fmt == "json":
        emit(dumps(frame.to_dict(orient="records")), output)
    elif fmt == "csv":
        emit(frame.to_csv(index=False).rstrip("\n"), output)
    else:
        from .report.terminal import render_evidence, render_tropes

        emit(render_evidence(a) if evidence else render_tropes(a), output)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@analysis_options
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True)
@click.option("--windows", is_flag=True, help="Print the per-window table instead of events.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the timeline figure (.png or .svg); the per-episode chart goes next to "
                   "it as NAME-episodes.EXT.")
@click.option("-o", "--output")
@handle_errors
def twists(file: Path, fmt: str, windows: bool, plot_path: Path | None, output: str | None,
           **kwargs: Any) -> None:
    """Twists line by line on the timeline, and their density per window.

    \b
    Example:
      tropescan twists draft.txt --window 15 --plot twists.png
    """
    from .api import Analyzer

    settings, reading = make_settings(kwargs)
    a = Analyzer(settings, corpus=None).analyze(file, **reading)
    if fmt == "json":
        frame = a.windows if windows else a.twists
        emit(dumps({"pacing": a.pacing, "episodes": a.episodes.to_dict(orient="records"),
                    "windows" if windows else "twists": frame.to_dict(orient="records")}), output)
    elif fmt == "csv":
        frame = a.windows if windows else a.twists
        emit(frame.to_csv(index=False).rstrip("\n"), output)
    else:
        from .report.terminal import render_twists, render_windows

        emit(render_windows(a) if windows else render_twists(a), output)
    if plot_path:
        from .report.plots import save

        episodes_path = plot_path.with_name(f"{plot_path.stem}-episodes{plot_path.suffix}")
        save(a.plot_timeline(), plot_path)
        save(a.plot_episodes(), episodes_path)
        click.echo(f"wrote {plot_path} and {episodes_path}", err=True)


# -- lexicons ---------------------------------------------------------------------------------

@main.group()
def lexicon() -> None:
    """List, show and check trope lexicons (TOML data files).

    \b
    Example:
      tropescan lexicon list
      tropescan lexicon check my_trope.toml
    """


@lexicon.command("list")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(path_type=Path))
@handle_errors
def lexicon_list(lexicons: tuple[Path, ...]) -> None:
    """List the tropes with their names and number of cues.

    \b
    Example:
      tropescan lexicon list
    """
    from .lexicon import load_lexicon

    lex = load_lexicon(lexicons)
    for t in lex.tropes.values():
        click.echo(f"{t.id:12s} {t.name_zh}\t{t.name_en}\t{len(t.cues)} cues")
    click.echo(f"twist categories: {', '.join(lex.twists)}; stock lines: {len(lex.boilerplate)}; "
               f"lexicon version {lex.version}")


@lexicon.command("show")
@click.argument("trope_id")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(path_type=Path))
@handle_errors
def lexicon_show(trope_id: str, lexicons: tuple[Path, ...]) -> None:
    """Show one trope: description, cues by weight, negative contexts.

    \b
    Example:
      tropescan lexicon show zhuixu
    """
    from .lexicon import load_lexicon

    lex = load_lexicon(lexicons)
    if trope_id not in lex.tropes:
        raise click.BadParameter(f"unknown trope {trope_id!r}; choose one of "
                                 f"{', '.join(lex.tropes)}", param_hint="TROPE_ID")
    t = lex.tropes[trope_id]
    click.echo(f"{t.id} {t.name_zh} ({t.name_en})\n{t.description}\n")
    for cue, w in sorted(t.cues.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"  {w:3.1f}  {cue}")
    if t.negative_contexts or t.negative_phrases:
        click.echo(f"\nnegative contexts: {'、'.join(t.negative_contexts)}")
        click.echo(f"protected phrases: {'、'.join(t.negative_phrases)}")


@lexicon.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def lexicon_check(files: tuple[Path, ...]) -> None:
    """Validate lexicon files (default: the built-in ones); print file: key: problem.

    \b
    Example:
      tropescan lexicon check my_trope.toml
    """
    from ._resources import lexicon_dir
    from .lexicon import check_file

    builtin = not files
    if builtin:
        root = lexicon_dir()
        files = (*sorted((root / "tropes").glob("*.toml")), root / "twists.toml",
                 root / "boilerplate.toml")
    problems = [p for f in files for p in check_file(f, builtin=builtin)]
    for p in problems:
        click.echo(p, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"ok: {len(files)} file(s) valid")


# -- models -----------------------------------------------------------------------------------

@main.command()
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder for the trained models (use with --models DIR).")
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False),
              help="A manifest CSV with trope labels (default: the bundled sample corpus).")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(path_type=Path))
@handle_errors
def train(output: Path, manifest: Path | None, lexicons: tuple[Path, ...]) -> None:
    """Train the trope classifier and the twist model on a labelled corpus.

    \b
    Example:
      tropescan train -o my_models
      tropescan scan draft.txt --models my_models
    """
    from .api import Analyzer, Settings
    from .evaluation import train_models

    analyzer = Analyzer(Settings(lexicons=tuple(map(str, lexicons)), use_classifier=False,
                                 use_twist_model=False), corpus=None)
    result = train_models(analyzer, output, str(manifest) if manifest else None)
    meta = result["classifier"]
    click.echo(f"trope classifier: {meta['training_scripts']} scripts, "
               f"{meta['training_documents']} episodes -> {output / 'trope_classifier'}")
    if result["twist_model"]:
        click.echo(f"twist model: {result['twist_model']['training_lines']} labelled lines -> "
                   f"{output / 'twist_model'}")


@main.command()
@click.option("--twists", "twists_only", is_flag=True, help="Evaluate twist detection only.")
@click.option("--tropes", "tropes_only", is_flag=True, help="Evaluate trope tagging only.")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True)
@click.option("--manifest", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@handle_errors
def evaluate(twists_only: bool, tropes_only: bool, folds: int, manifest: Path | None,
             fmt: str) -> None:
    """Measure trope tagging (grouped cross-validation) and twist detection on labels.

    \b
    Example:
      tropescan evaluate
      tropescan evaluate --twists
    """
    from .api import Analyzer, Settings
    from .evaluation import cross_validate_tropes, evaluate_twists, load_corpus
    from .sample import twist_annotations, twist_labels

    analyzer = Analyzer(Settings(use_classifier=False, use_twist_model=False), corpus=None)
    corpus = load_corpus(analyzer, str(manifest) if manifest else None)
    out: dict[str, Any] = {}
    if not twists_only:
        out["tropes"] = cross_validate_tropes(corpus, analyzer, folds=folds)
    if not tropes_only:
        out["twists"] = evaluate_twists(corpus, analyzer, twist_labels(manifest), folds=folds,
                                        annotations=twist_annotations(manifest))
    if fmt == "json":
        def plain(v: Any) -> Any:
            if hasattr(v, "to_dict"):
                return v.to_dict(orient="records")
            return {k: plain(x) for k, x in v.items()} if isinstance(v, dict) else v

        emit(dumps(plain(out)), None)
        return
    from .report.terminal import render_evaluation

    click.echo(render_evaluation(out))


# -- corpus index and homogeneity ------------------------------------------------------------

@main.group()
def index() -> None:
    """Build, extend and inspect a reference corpus index.

    \b
    Example:
      tropescan index build published/ -o published.idx
      tropescan scan draft.txt --corpus published.idx
    """


def _errors_to_stderr(path: str, message: str) -> None:
    click.echo(f"skipped: {path}: {message}", err=True)


def _progress(label: str) -> Any:
    """A progress callback drawing a bar on stderr when it is a terminal."""
    if not show_progress():
        return None
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(1)
        if done == total:
            state["bar"].__exit__(None, None, None)

    return update


@index.command("build")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, file_okay=False))
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--scheduler", envvar="TROPESCAN_SCHEDULER",
              help="Dask scheduler address (or TROPESCAN_SCHEDULER) to build on a cluster.")
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(path_type=Path))
@handle_errors
def index_build(source: Path, output: Path, jobs: int, scheduler: str | None,
                lexicons: tuple[Path, ...]) -> None:
    """Index a folder of scripts or a manifest CSV as a reference corpus.

    \b
    Example:
      tropescan index build published/ -o published.idx --jobs 2
    """
    from .api import Analyzer, Settings
    from .corpus import CorpusIndex

    analyzer = Analyzer(Settings(lexicons=tuple(map(str, lexicons))), corpus=None)
    idx = CorpusIndex.build(source, analyzer=analyzer, jobs=jobs, scheduler=scheduler,
                            on_error=_errors_to_stderr, progress=_progress("indexing"))
    idx.save(output)
    click.echo(f"indexed {len(idx)} works ({idx.n_chunks} passages) -> {output}")


@index.command("add")
@click.argument("index_path", type=click.Path(path_type=Path, file_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--lexicon", "lexicons", multiple=True, type=click.Path(path_type=Path))
@handle_errors
def index_add(index_path: Path, files: tuple[Path, ...], lexicons: tuple[Path, ...]) -> None:
    """Add scripts (files or folders) to an existing index.

    \b
    Example:
      tropescan index add published.idx new_series/*.txt
    """
    from .api import Analyzer, Settings
    from .corpus import CorpusIndex, find_scripts

    analyzer = Analyzer(Settings(lexicons=tuple(map(str, lexicons))), corpus=None)
    idx = CorpusIndex.load(index_path, lexicon=analyzer.lexicon)
    paths = [p for f in files for p in (find_scripts(f) if f.is_dir() else [f])]
    added = idx.add(paths, analyzer=analyzer, on_error=_errors_to_stderr)
    idx.save(index_path)
    click.echo(f"added {added} works; the index now holds {len(idx)}")


@index.command("info")
@click.argument("index_path", type=click.Path(path_type=Path, file_okay=False))
@handle_errors
def index_info(index_path: Path) -> None:
    """Show what an index holds and how it was built.

    \b
    Example:
      tropescan index info published.idx
    """
    from .corpus import CorpusIndex

    click.echo(dumps(CorpusIndex.load(index_path).info()))


@main.command("homogeneity")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--plot", "plot_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write the similarity heatmap and trope co-occurrence plot here.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("-o", "--output")
@handle_errors
def homogeneity_cmd(source: Path, fmt: str, plot_dir: Path | None, jobs: int,
                    output: str | None) -> None:
    """How alike the works of a collection (a folder of scripts or an index) are.

    \b
    Example:
      tropescan homogeneity submissions/ --plot charts/
    """
    from .api import Analyzer
    from .collection import homogeneity
    from .corpus import CorpusIndex

    analyzer = Analyzer(corpus=None)
    if (source / "index.json").exists():
        idx = CorpusIndex.load(source, lexicon=analyzer.lexicon)
    else:
        from .corpus import SMALL_COLLECTION, find_scripts, sample_index

        # A small folder borrows the sample corpus's word weights (see CorpusIndex.from_features).
        small = source.is_dir() and len(find_scripts(source)) < SMALL_COLLECTION
        idx = CorpusIndex.build(source, analyzer=analyzer, jobs=jobs, on_error=_errors_to_stderr,
                                progress=_progress("reading"),
                                reference=sample_index(analyzer) if small else None)
    h = homogeneity(idx)
    if fmt == "json":
        emit(dumps({**h.summary(), "pairs": h.pairs}), output)
    else:
        from .report.terminal import render_homogeneity

        emit(render_homogeneity(h), output)
    if plot_dir:
        from .report.plots import save

        save(h.plot_heatmap(), plot_dir / "similarity.png")
        save(h.plot_cooccurrence(), plot_dir / "cooccurrence.png")
        click.echo(f"wrote {plot_dir / 'similarity.png'} and {plot_dir / 'cooccurrence.png'}",
                   err=True)


# -- judges: batch ----------------------------------------------------------------------------

@main.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Results table: .csv, .xlsx or .parquet (pairs go next to it).")
@click.option("--reports", "reports_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write one HTML report per script and an index.html here.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--resume", is_flag=True, help="Skip files already scored in the output table.")
@click.option("--scheduler", envvar="TROPESCAN_SCHEDULER",
              help="Dask scheduler address (or TROPESCAN_SCHEDULER) to score on a cluster.")
@corpus_option
@analysis_options
@handle_errors
def batch(folder: Path, output: Path, reports_dir: Path | None, jobs: int, resume: bool,
          scheduler: str | None, corpus: str, **kwargs: Any) -> None:
    """Score every script in a folder into a ranked table, with per-script HTML reports.

    \b
    Example:
      tropescan batch submissions/ -o results.csv --reports reports/ --jobs 2
    """
    from .judging import judge_folder

    settings, _ = make_settings(kwargs)
    summary = judge_folder(folder, output, settings=settings, corpus=corpus_value(corpus),
                           reports_dir=reports_dir, jobs=jobs, resume=resume, scheduler=scheduler,
                           progress=_progress("scoring"),
                           on_row=lambda row: None if show_progress() else click.echo(
                               f"{row['status']}: {row['path']}"
                               + (f": {row['error']}" if row['error'] else ""), err=True))
    click.echo(f"{summary['ok']} scored, {summary['failed']} failed, {summary['skipped']} "
               f"skipped (already scored) -> {output}"
               + (f"; {summary['pairs']} similar submission pairs -> {summary['pairs_path']}"
                  if summary.get("pairs_path") else ""), err=True)
    if summary["failed"]:
        sys.exit(1)
