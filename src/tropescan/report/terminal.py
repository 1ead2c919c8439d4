"""Terminal rendering with rich: readable tables for people (stdout), nothing else."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.table import Table

from ..util import clock


def _console(buf: io.StringIO, width: int = 110) -> Console:
    # Writers' text is full of [brackets]: never read it as rich markup.
    return Console(file=buf, width=width, force_terminal=False, color_system=None,
                   legacy_windows=False, soft_wrap=False, markup=False, highlight=False)


def render_parse(summary: dict[str, Any]) -> str:
    buf = io.StringIO()
    con = _console(buf)
    con.print(f"{summary['title']}  [{summary['format']}, {summary['encoding']}"
              f"{', Traditional' if summary['traditional'] else ''}"
              f"{', timed' if summary['timed'] else ', estimated times'}]")
    n = len(summary["episodes"])
    con.print(f"{n} episode{'s' if n != 1 else ''}, {clock(summary['duration_s'])} in all; "
              f"speakers: {'、'.join(summary['speakers'][:12]) or '-'}"
              f"{' …' if len(summary['speakers']) > 12 else ''}")
    table = Table(show_edge=False)
    for col in ("集 ep", "title", "scenes", "lines", "dialogue", "voice-over", "action",
                "other", "speakers", "duration"):
        table.add_column(col, justify="left" if col == "title" else "right")
    for ep in summary["episodes"]:
        k = ep["kinds"]
        spoken = k.get("dialogue", 0) + k.get("subtitle", 0)
        other = ep["lines"] - spoken - k.get("voiceover", 0) - k.get("action", 0)
        table.add_row(str(ep["episode"]), ep["title"] or "", str(ep["scenes"]), str(ep["lines"]),
                      str(spoken), str(k.get("voiceover", 0)), str(k.get("action", 0)),
                      str(other), str(ep["speakers"]), clock(ep["duration_s"]))
    con.print(table)
    return buf.getvalue().rstrip()
