"""The writer's commands: parse, scan, tropes, twists."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..api import Analysis, Analyzer
from ..errors import TropescanError
from ..readers import read_script
from ..readers.catalogue import CATALOGUE_SUFFIXES, read_catalogue
from ..report.html import render_report, write_report
from ..report.plots import save
from ..report.raster import analysis_pngs
from ..report.serialize import script_summary, script_to_dict
from ..report.tables import rows_to_csv
from ..report.terminal import (
    DEFAULT_WIDTH,
    render_evidence,
    render_frame,
    render_parse,
    render_scan,
    render_tropes,
    render_twists,
    render_windows,
    terminal_width,
)
from ..util import atomic_write_bytes
from .common import (
    analysis_options,
    corpus_option,
    corpus_value,
    dumps,
    emit,
    format_option,
    frame_output,
    handle_errors,
    make_settings,
    output_folder,
    output_option,
    read_kwargs,
    reading_options,
)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@reading_options
@format_option("table", "json", help="table: structure summary; json: the whole parsed script.")
@output_option()
@handle_errors
def parse(file: Path, fmt: str, output: str | None, **kwargs: Any) -> None:
    """Show the structure tropescan reads in a script: episodes, scenes, speakers, times.

    \b
    Example:
      tropescan parse draft.txt
      tropescan parse subs.srt --format json -o parsed.json
    """
    script = read_script(file, **read_kwargs(kwargs))
    for warning in script.warnings:
        click.echo(f"warning: {file}: {warning}", err=True)
    text = (dumps(script_to_dict(script)) if fmt == "json"
            else render_parse(script_summary(script)))
    emit(text, output)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@analysis_options
@corpus_option
@format_option("table", "json", "csv", "html")
@output_option("Write the report to this file (html: a file or folder).")
@click.option("--plot", "plot_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write the report's timeline, episode and trope charts as PNGs into this folder.")
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
    if fail_under is not None and corpus_value(corpus) is None:
        raise click.UsageError("--fail-under needs an originality score: drop --corpus none")
    if fmt == "html" and len(files) > 1 and not output:
        raise click.UsageError("--format html with several files needs -o FOLDER "
                               "(one page per script)")
    if output and not _folder_output(fmt, files, output):
        output_folder(output)  # before any work: a typo in -o costs nothing
    settings, reading = make_settings(kwargs)
    analyses, failed = analyze_files(Analyzer(settings, corpus=corpus_value(corpus)), files,
                                     reading)
    emit_analyses(analyses, fmt, output)
    if plot_dir:
        write_plots(analyses, plot_dir)
    if failed:
        sys.exit(1)
    if fail_under is not None and any(
            a.originality is not None and a.originality.score < fail_under for a in analyses):
        sys.exit(3)


def _folder_output(fmt: str, files: tuple[Path, ...], output: str) -> bool:
    """Does ``-o`` name a folder of HTML pages (made if needed) rather than one file?"""
    return fmt == "html" and (len(files) > 1 or Path(output).is_dir() or output.endswith("/"))


def analyze_files(analyzer: Analyzer, files: tuple[Path, ...], reading: dict[str, Any]
                  ) -> tuple[list[Analysis], int]:
    """Every file analysed; a bad one is one line on stderr (or the error itself when it is
    the only file). Exits 1 when every file failed: the errors are the whole output."""
    analyses, failed = [], 0
    for file in files:
        try:
            analyses.append(analyzer.analyze(file, **reading))
        except TropescanError as exc:
            if len(files) == 1:
                raise
            failed += 1
            click.echo(f"Error: {exc}", err=True)
    if not analyses:
        sys.exit(1)
    return analyses, failed


def emit_analyses(analyses: list[Analysis], fmt: str, output: str | None) -> None:
    if fmt == "json":
        doc: Any = analyses[0].to_dict() if len(analyses) == 1 else [a.to_dict() for a in analyses]
        emit(dumps(doc), output)
    elif fmt == "csv":
        emit(rows_to_csv([a.summary_row() for a in analyses]).rstrip("\n"), output)
    elif fmt == "html":
        if output and _folder_output(fmt, tuple(Path(a.script.path or "") for a in analyses),
                                     output):
            for a in analyses:
                click.echo(f"wrote {write_report(a, Path(output))}", err=True)
        elif output:
            emit(render_report(analyses[0]), output)
        else:
            click.echo(render_report(analyses[0]))
    else:
        width = terminal_width() if not output or output == "-" else DEFAULT_WIDTH
        emit("\n\n".join(render_scan(a, width=width) for a in analyses), output)


def write_plots(analyses: list[Analysis], folder: Path) -> None:
    """The HTML report's three charts of each analysis as PNGs (painted from their SVG: no
    matplotlib to import and lay out), each written atomically."""
    for a in analyses:
        for name, data in analysis_pngs(a).items():
            path = folder / f"{a.script.id}-{name}.png"
            atomic_write_bytes(path, data)
            click.echo(f"wrote {path}", err=True)


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@analysis_options
@format_option("table", "json", "csv")
@click.option("--evidence", is_flag=True, help="List every evidence line instead of scores.")
@click.option("--text-column", help="FILE is a catalogue (.csv, .xlsx, .parquet): tag the text "
                                    "of this column in every row.")
@click.option("--title-column", help="With --text-column: the column of the titles.")
@output_option()
@handle_errors
def tropes(file: Path, fmt: str, evidence: bool, text_column: str | None,
           title_column: str | None, output: str | None, **kwargs: Any) -> None:
    """Which formula tropes a script, synopsis or catalogue uses, and the lines that show it.

    \b
    Example:
      tropescan tropes draft.txt
      tropescan tropes draft.txt --evidence --format csv
      tropescan tropes catalogue.csv --text-column synopsis --title-column title
    """
    settings, reading = make_settings(kwargs)
    analyzer = Analyzer(settings, corpus=None)
    if text_column or file.suffix.lower() in CATALOGUE_SUFFIXES:
        tag_catalogue_file(analyzer, file, text_column, title_column, fmt, output)
        return
    a = analyzer.analyze(file, **reading)
    frame_output(lambda: a.evidence if evidence else a.tropes, fmt, output,
                 lambda: render_evidence(a) if evidence else render_tropes(a))


def tag_catalogue_file(analyzer: Analyzer, file: Path, text_column: str | None,
                       title_column: str | None, fmt: str, output: str | None) -> None:
    """Every row of a catalogue tagged: the table's own columns plus the tropes found."""
    import pandas as pd

    if not text_column:
        raise click.UsageError(f"{file.name} is a catalogue: name its text with --text-column")
    rows = read_catalogue(file, text_column=text_column, title_column=title_column)
    frame = pd.DataFrame([{"id": r.id, "title": r.title, "text": r.text} for r in rows])
    tagged = analyzer.tag_catalogue(frame, text_column="text", title_column="title")
    shown = tagged.drop(columns=["text"])
    frame_output(lambda: shown, fmt, output, lambda: render_frame(shown))


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@analysis_options
@format_option("table", "json", "csv")
@click.option("--windows", is_flag=True, help="Print the per-window table instead of events.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the timeline figure (.png or .svg); the per-episode chart goes next to "
                   "it as NAME-episodes.EXT.")
@output_option()
@handle_errors
def twists(file: Path, fmt: str, windows: bool, plot_path: Path | None, output: str | None,
           **kwargs: Any) -> None:
    """Twists line by line on the timeline, and their density per window.

    \b
    Example:
      tropescan twists draft.txt --window 15 --plot twists.png
    """
    settings, reading = make_settings(kwargs)
    a = Analyzer(settings, corpus=None).analyze(file, **reading)
    frame_output(lambda: a.windows if windows else a.twists, fmt, output,
                 lambda: render_windows(a) if windows else render_twists(a),
                 doc=lambda rows: {"pacing": a.pacing,
                                   "episodes": a.episodes.to_dict(orient="records"),
                                   "windows" if windows else "twists": rows})
    if plot_path:
        episodes_path = plot_path.with_name(f"{plot_path.stem}-episodes{plot_path.suffix}")
        save(a.plot_timeline(), plot_path)
        save(a.plot_episodes(), episodes_path)
        click.echo(f"wrote {plot_path} and {episodes_path}", err=True)
