"""The judge's and the librarian's commands: batch, compare, index build/add/info, homogeneity."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..api import Analyzer, Settings
from ..batch import add_to_index, build_index, collection_index
from ..collection import homogeneity
from ..corpus import CorpusIndex
from ..judging import judge_folder
from ..readers import read_script
from ..report.compare_view import render_compare, render_compare_html
from ..report.plots import save
from ..report.terminal import render_homogeneity, terminal_width
from ..sources import find_scripts
from .common import (
    analysis_options,
    corpus_option,
    corpus_value,
    dumps,
    emit,
    format_option,
    handle_errors,
    jobs_option,
    lexicon_option,
    lexicon_paths,
    make_settings,
    output_folder,
    output_option,
    progress,
    read_kwargs,
    reading_options,
    scheduler_option,
    show_progress,
    skipped,
)


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True))
@output_option("Results table: .csv, .xlsx or .parquet (pairs go next to it).", required=True,
               type=click.Path(path_type=Path, dir_okay=False))
@click.option("--reports", "reports_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write one HTML report per script and an index.html here.")
@jobs_option
@click.option("--resume", is_flag=True, help="Skip files already scored in the output table.")
@scheduler_option("score")
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
    settings, _ = make_settings(kwargs)
    output_folder(output)
    summary = judge_folder(folder, output, settings=settings, corpus=corpus_value(corpus),
                           reports_dir=reports_dir, jobs=jobs, resume=resume, scheduler=scheduler,
                           progress=progress("scoring"),
                           on_row=None if show_progress() else _row_line)
    click.echo(f"{summary['ok']} scored, {summary['failed']} failed, {summary['skipped']} "
               f"skipped (already scored) -> {output}"
               + (f"; {summary['pairs']} similar submission pairs -> {summary['pairs_path']}"
                  if summary.get("pairs_path") else ""), err=True)
    if summary["failed"]:
        sys.exit(1)


def _row_line(row: dict[str, Any]) -> None:
    """One line per finished file when there is no progress bar."""
    click.echo(f"{row['status']}: {row['path']}" + (f": {row['error']}" if row["error"] else ""),
               err=True)


@click.group()
def index() -> None:
    """Build, extend and inspect a reference corpus index.

    \b
    Example:
      tropescan index build published/ -o published.idx
      tropescan scan draft.txt --corpus published.idx
    """


@index.command("build")
@click.argument("source", type=click.Path(path_type=Path))
@output_option("The index folder to write.", required=True,
               type=click.Path(path_type=Path, file_okay=False))
@jobs_option
@scheduler_option("build")
@lexicon_option
@handle_errors
def index_build(source: Path, output: Path, jobs: int, scheduler: str | None,
                lexicons: tuple[Path, ...]) -> None:
    """Index a folder of scripts or a manifest CSV as a reference corpus.

    \b
    Example:
      tropescan index build published/ -o published.idx --jobs 2
    """
    analyzer = Analyzer(Settings(lexicons=lexicon_paths(lexicons)), corpus=None)
    idx = build_index(source, analyzer=analyzer, jobs=jobs, scheduler=scheduler,
                      on_error=skipped, progress=progress("indexing"))
    idx.save(output)
    click.echo(f"indexed {len(idx)} works ({idx.n_chunks} passages) -> {output}")


@index.command("add")
@click.argument("index_path", type=click.Path(path_type=Path, file_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@lexicon_option
@handle_errors
def index_add(index_path: Path, files: tuple[Path, ...], lexicons: tuple[Path, ...]) -> None:
    """Add scripts (files or folders) to an existing index.

    \b
    Example:
      tropescan index add published.idx new_series/*.txt
    """
    analyzer = Analyzer(Settings(lexicons=lexicon_paths(lexicons)), corpus=None)
    idx = CorpusIndex.load(index_path, lexicon_version=analyzer.lexicon.version)
    paths = [p for f in files for p in (find_scripts(f) if f.is_dir() else [f])]
    added = add_to_index(idx, paths, analyzer=analyzer, on_error=skipped)
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
    click.echo(dumps(CorpusIndex.load(index_path).info()))


@click.command("homogeneity")
@click.argument("source", type=click.Path(path_type=Path))
@format_option("table", "json")
@click.option("--plot", "plot_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write the similarity heatmap and trope co-occurrence plot here.")
@jobs_option
@output_option()
@handle_errors
def homogeneity_cmd(source: Path, fmt: str, plot_dir: Path | None, jobs: int,
                    output: str | None) -> None:
    """How alike the works of a collection (a folder of scripts or an index) are.

    \b
    Example:
      tropescan homogeneity submissions/ --plot charts/
    """
    h = homogeneity(collection_index(source, jobs=jobs, on_error=skipped,
                                     progress=progress("reading")))
    emit(dumps({**h.summary(), "pairs": h.pairs}) if fmt == "json" else render_homogeneity(h),
         output)
    if plot_dir:
        save(h.plot_heatmap(), plot_dir / "similarity.png")
        save(h.plot_cooccurrence(), plot_dir / "cooccurrence.png")
        click.echo(f"wrote {plot_dir / 'similarity.png'} and {plot_dir / 'cooccurrence.png'}",
                   err=True)


@click.command()
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@reading_options
@corpus_option
@format_option("table", "json", "html")
@output_option()
@handle_errors
def compare(a: Path, b: Path, fmt: str, output: str | None, corpus: str, **kwargs: Any) -> None:
    """Two works side by side: text similarity, borrowed wording both ways, shared passages,
    trope overlap, plot-skeleton similarity with the aligned beats.

    \b
    Example:
      tropescan compare entry_17.docx novel.txt
      tropescan compare a.txt b.srt --format html -o a_vs_b.html
    """
    if output:
        output_folder(output)
    analyzer = Analyzer(corpus=corpus_value(corpus))
    reading = read_kwargs(kwargs)
    result = analyzer.compare(read_script(a, **reading), read_script(b, **reading)).to_dict()
    if fmt == "json":
        emit(dumps(result), output)
    elif fmt == "html":
        emit(render_compare_html(result, analyzer.versions()), output)
    else:
        emit(render_compare(result, terminal_width() if not output else 110), output)
