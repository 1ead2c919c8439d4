"""Plain-data views of results for JSON/CSV: one function per type, no rendering."""

from __future__ import annotations

from typing import Any

from ..model import Script


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
