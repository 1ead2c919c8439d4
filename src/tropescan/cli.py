"""The ``tropescan`` command: click commands only, each a few lines over the library.

stdout carries results (table, JSON, CSV); stderr carries errors, warnings and progress.
Exit codes: 0 ok, 1 bad input or some inputs failed, 2 usage error, 3 a ``--fail-under``
gate failed.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ._version import __version__
from .errors import TropescanError

READ_FORMATS = ("text", "markdown", "fountain", "srt", "ass", "docx")


class TropescanClickError(click.ClickException):
    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.message}", err=True)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line on stderr and exit 1; hide tracebacks unless -v."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TropescanError as exc:
            raise TropescanClickError(str(exc)) from exc
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
