"""The ``tropescan`` command: click commands only, each a few lines over the library.

Layer 6. ``common`` holds what every command shares (error handling, options declared once,
output); ``writer`` the writer's commands (parse, scan, tropes, twists); ``judge`` the judge's
(batch, index, homogeneity); ``data`` the data maintainer's (lexicon, train, evaluate).
"""

from __future__ import annotations

import importlib
import sys
import warnings
from typing import Any

import click

from .._version import __version__

#: command name -> (module of this package, attribute). A command's module is imported when the
#: command runs: ``scan`` need not import the judges' and maintainers' stacks (~0.1 s).
COMMANDS = {"parse": ("writer", "parse"), "scan": ("writer", "scan"),
            "tropes": ("writer", "tropes"), "twists": ("writer", "twists"),
            "lexicon": ("data", "lexicon"), "train": ("data", "train"),
            "evaluate": ("data", "evaluate"), "index": ("judge", "index"),
            "homogeneity": ("judge", "homogeneity_cmd"), "batch": ("judge", "batch"),
            "compare": ("judge", "compare")}


class _Group(click.Group):
    """The top-level group: a wrong option or value is one line on stderr (exit 2), not
    click's usage block; library warnings reach people as one line on stderr while a
    command runs (scoped: the process's warning hooks are restored afterwards)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "tropescan"
            click.echo(f"Error: {' '.join(exc.format_message().split())} "
                       f"(see {command} --help)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(f".{module}", __name__), attr)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        # Only the hook is swapped, not the filters: a warning already shown in this
        # process is not repeated (catch_warnings would reset that memory).
        before = warnings.showwarning
        warnings.showwarning = _show_warning
        try:
            return super().invoke(ctx)
        finally:
            warnings.showwarning = before


def _show_warning(message: Any, category: Any, filename: Any, lineno: Any, file: Any = None,
                  line: Any = None) -> None:
    click.echo(f"warning: {message}", err=True)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
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


__all__ = ["main"]
