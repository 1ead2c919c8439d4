"""What every command shares: error handling, options, output.

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

from ..api import Settings
from ..errors import Errors, InputError, SettingsError, TropescanError
from ..schema import FORMATS
from ..timing import TimingProfile
from ..util import atomic_write_text

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


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


def _apply(func: Callable[..., Any], decorators: list[Decorator]) -> Callable[..., Any]:
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


# -- options: each declared once ----------------------------------------------------------------

def format_option(*choices: str, help: str | None = None) -> Decorator:
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0],
                        show_default=True, help=help)


def output_option(help: str = "Write to this file instead of stdout.",
                  **kwargs: Any) -> Decorator:
    return click.option("-o", "--output", help=help, **kwargs)


def lexicon_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--lexicon", "lexicons", multiple=True, type=click.Path(path_type=Path),
                        help="An extra lexicon file (trope, twist or stock-line TOML); "
                             "repeatable.")(func)


def jobs_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
                        help="Worker processes.")(func)


def scheduler_option(what: str) -> Decorator:
    return click.option("--scheduler", envvar="TROPESCAN_SCHEDULER",
                        help=f"Dask scheduler address (or TROPESCAN_SCHEDULER) to {what} on a "
                             "cluster.")


def reading_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by every command that reads scripts."""
    return _apply(func, [
        click.option("--read-as", "read_as", type=click.Choice(FORMATS),
                     help="Force the input format instead of detecting it from the extension."),
        click.option("--encoding", help="Force the text encoding (e.g. gb18030, big5)."),
        click.option("--cps", "dialogue_cps", type=click.FloatRange(min=0.5, max=20), default=3.4,
                     show_default=True, help="Dialogue speech rate, characters per second."),
        click.option("--action-cps", type=click.FloatRange(min=0.5, max=50), default=8.0,
                     show_default=True, help="Action lines, characters per second of screen."),
        click.option("--scene-pause", type=click.FloatRange(min=0, max=30), default=1.0,
                     show_default=True, help="Seconds added at each scene change."),
    ])


def analysis_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options of every command that analyses scripts."""
    func = _apply(func, [
        lexicon_option,
        click.option("--window", "window_s", type=click.FloatRange(min=1, max=600), default=15.0,
                     show_default=True, help="Window length in seconds for twist density."),
        click.option("--models", "model_dir", type=click.Path(path_type=Path, file_okay=False),
                     help="Use models from `tropescan train -o DIR` instead of the shipped ones."),
        click.option("--backend", type=click.Choice(["auto", "jieba", "rjieba"]), default="auto",
                     show_default=True, help="Segmenter: rjieba (fast) or jieba (reference)."),
    ])
    return reading_options(func)


def corpus_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--corpus", default="sample", show_default=True,
        help="Reference corpus: an index folder from `tropescan index build`, 'sample' (the "
             "bundled sample corpus) or 'none' (skip originality).")(func)


# -- option values -> library arguments ---------------------------------------------------------

def read_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Pop the reading options into ``read_script`` keyword arguments."""
    profile = TimingProfile(
        dialogue_cps=kwargs.pop("dialogue_cps"),
        action_cps=kwargs.pop("action_cps"),
        scene_change_s=kwargs.pop("scene_pause"),
    )
    return {"format": kwargs.pop("read_as"), "encoding": kwargs.pop("encoding"), "timing": profile}


def make_settings(kwargs: dict[str, Any]) -> tuple[Settings, dict[str, Any]]:
    """Pop analysis options into ``Settings`` and ``read_script`` keyword arguments."""
    reading = read_kwargs(kwargs)
    model_dir = kwargs.pop("model_dir", None)
    settings = Settings(
        window_s=kwargs.pop("window_s"), timing=reading.pop("timing"),
        backend=kwargs.pop("backend"), lexicons=lexicon_paths(kwargs.pop("lexicons")),
        model_dir=str(model_dir) if model_dir else None,
    )
    return settings, {k: v for k, v in reading.items() if v is not None}


def lexicon_paths(lexicons: tuple[Path, ...]) -> tuple[str, ...]:
    return tuple(str(p) for p in lexicons)


def corpus_value(corpus: str) -> str | None:
    return None if corpus.lower() == "none" else corpus


# -- output -------------------------------------------------------------------------------------

def output_folder(output: str | Path) -> None:
    """Refuse an output file in a folder that does not exist: a typo in ``-o`` must not
    quietly make folders (a folder option such as ``--reports`` is made on purpose)."""
    parent = Path(output).parent
    if not parent.is_dir():
        raise InputError(Errors.NO_OUTPUT_FOLDER, path=parent)


def emit(text: str, output: str | None) -> None:
    """Write a result to stdout or, atomically, to a file."""
    if output and output != "-":
        output_folder(output)
        atomic_write_text(Path(output), text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str)


def frame_output(frame: Callable[[], Any], fmt: str, output: str | None,
                 table: Callable[[], str],
                 doc: Callable[[list[dict[str, Any]]], Any] | None = None) -> None:
    """A DataFrame (built only for json and csv: pandas stays unloaded for a table) as JSON
    records (wrapped by ``doc`` when given), CSV, or the text ``table()`` renders."""
    if fmt == "json":
        records = frame().to_dict(orient="records")
        emit(dumps(doc(records) if doc else records), output)
    elif fmt == "csv":
        emit(frame().to_csv(index=False).rstrip("\n"), output)
    else:
        emit(table(), output)


def show_progress() -> bool:
    return sys.stderr.isatty()


def progress(label: str) -> Callable[[int, int], None] | None:
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


def skipped(path: str, message: str) -> None:
    click.echo(f"skipped: {path}: {message}", err=True)
