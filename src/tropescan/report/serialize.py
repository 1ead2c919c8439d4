"""Plain-data views of results for JSON/CSV: one function per type, no rendering."""

from __future__ import annotations

from typing import Any

from ..model import Script
from ..schema import (
    BORROWED_COLUMNS,
    BORROWED_PASSAGE_COLUMNS,
    EPISODE_COLUMNS,
    EVIDENCE_COLUMNS,
    NEAREST_COLUMNS,
    PASSAGE_COLUMNS,
    PLOT_COLUMNS,
    SCHEMA_VERSION,
    STOCK_COLUMNS,
    TROPE_COLUMNS,
    TWIST_COLUMNS,
    WINDOW_COLUMNS,
)


def script_summary(script: Script) -> dict[str, Any]:
    """What ``tropescan parse`` prints: structure, counts by kind, durations."""
    episodes = []
    for ep in script.episodes:
        kinds: dict[str, int] = {}
        for line in ep.lines:
            kinds[line.kind.value] = kinds.get(line.kind.value, 0) + 1
        episodes.append({
            "episode": ep.number,
            "title": ep.title,
            "scenes": sum(1 for s in ep.scenes if s.number),
            "lines": len(ep.lines),
            "speakers": len({ln.speaker for ln in ep.lines if ln.speaker}),
            "kinds": kinds,
            "duration_s": round(ep.duration_s, 2),
        })
    return {
        "path": script.path,
        "title": script.title,
        "format": script.format,
        "encoding": script.encoding,
        "traditional": script.traditional,
        "timed": script.timed,
        "cast": script.cast,
        "speakers": script.speakers,
        "episodes": episodes,
        "duration_s": round(script.duration_s, 2),
        "warnings": script.warnings,
    }


def script_to_dict(script: Script) -> dict[str, Any]:
    """The whole parsed script, every line with its times."""
    out = script_summary(script)
    out["episodes"] = [
        {
            "episode": ep.number,
            "title": ep.title,
            "start_s": round(ep.start_s, 3),
            "duration_s": round(ep.duration_s, 3),
            "scenes": [
                {
                    "scene": sc.number,
                    "label": sc.label,
                    "heading": sc.heading,
                    "time_of_day": sc.time_of_day,
                    "interior": sc.interior,
                    "location": sc.location,
                    "lines": [
                        {
                            "line": ln.source_line,
                            "kind": ln.kind.value,
                            "speaker": ln.speaker,
                            "note": ln.note,
                            "text": ln.text,
                            "content": ln.content,
                            "norm": ln.norm,
                            "start_s": round(ln.start_s, 3),
                            "end_s": round(ln.end_s, 3),
                            "flashback": ln.flashback,
                        }
                        for ln in sc.lines
                    ],
                }
                for sc in ep.scenes
            ],
        }
        for ep in script.episodes
    ]
    out["front_matter"] = [ln.text for ln in script.front_matter]
    return out


def _items(items: Any, columns: list[str]) -> list[dict[str, Any]]:
    out = []
    for it in items:
        row = {c: getattr(it, c) for c in columns}
        out.append({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()})
    return out


def analysis_to_dict(analysis: Any) -> dict[str, Any]:
    """The JSON report of one analysis (schema documented in docs/formats.md)."""
    o = analysis.originality
    return {
        "schema_version": SCHEMA_VERSION,
        "tropescan_version": analysis.versions.get("tropescan"),
        "lexicon_version": analysis.versions.get("lexicon"),
        "versions": analysis.versions,
        "settings": analysis.settings.to_dict(),
        "script": script_summary(analysis.script),
        "tropes": _items(analysis.trope_scores, TROPE_COLUMNS),
        "evidence": _items(analysis.evidence_items, EVIDENCE_COLUMNS),
        "twists": _items(analysis.twist_events, [*TWIST_COLUMNS, "lines"]),
        "windows": _items(analysis.window_items, WINDOW_COLUMNS),
        "episodes": _items(analysis.episode_items, EPISODE_COLUMNS),
        "pacing": analysis.pacing,
        "originality": None if o is None else {
            "score": o.score, "method": o.method, "weights": o.weights, "parts": o.parts,
            "details": o.details,
            "nearest": _items(o.nearest_items, NEAREST_COLUMNS),
            "passages": _items(o.passage_items, PASSAGE_COLUMNS),
            "stock_lines": _items(o.stock_items, STOCK_COLUMNS),
            "borrowed": _items(o.borrowed_items, BORROWED_COLUMNS),
            "borrowed_passages": _items(o.borrowed_passages, BORROWED_PASSAGE_COLUMNS),
            "plot_nearest": _items(o.plot_items, PLOT_COLUMNS),
        },
        "warnings": analysis.warnings,
    }
