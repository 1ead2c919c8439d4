"""Fountain screenplays (https://fountain.io), as Chinese writers use them.

Input: decoded text. Output: an untimed ``Script``. Chinese has no upper case, so character
cues are usually forced with ``@``; episodes are sections (``# 第1集``); scene headings are
``INT./EXT.`` lines, Chinese ``内景/外景``, or forced with a leading ``.``.
"""

from __future__ import annotations

import re

from ..model import Line, LineKind, Script
from .build import ScriptBuilder
from .text import EPISODE_RE, cn_number, parse_heading_fields

SCENE_RE = re.compile(r"^(?:INT|EXT|EST|INT\./EXT|INT/EXT|I/E|内景|外景|内外景)[.\s]",
                      re.IGNORECASE)
TRANSITION_RE = re.compile(r"^(?:[A-Z ]+TO:|>\s*(?P<t>.*?)\s*)$")
EXTENSION_RE = re.compile(r"\s*[（(](?P<ext>[^）)]*)[）)]\s*\^?$")
TITLE_KEY_RE = re.compile(r"^(?P<k>[A-Za-z][A-Za-z ]*):\s*(?P<v>.*)$")


def _blank_preserving(text: str) -> str:
    # Remove boneyard and notes but keep line numbers: replace their characters, keep newlines.
    def keep_newlines(m: re.Match[str]) -> str:
        return "\n" * m.group(0).count("\n")

    text = re.sub(r"/\*.*?\*/", keep_newlines, text, flags=re.DOTALL)
    return re.sub(r"\[\[.*?\]\]", keep_newlines, text, flags=re.DOTALL)


def parse_fountain(text: str, *, path: str | None = None, encoding: str = "utf-8") -> Script:
    builder = ScriptBuilder(path=path, fmt="fountain", encoding=encoding)
    lines = _blank_preserving(text).splitlines()
    i = 0
    # Title page: key: value lines at the very top, ended by a blank line.
    if lines and TITLE_KEY_RE.match(lines[0].strip()):
        while i < len(lines) and lines[i].strip():
            m = TITLE_KEY_RE.match(lines[i].strip())
            if m and m.group("k").lower() == "title":
                builder.script.title = m.group("v").strip() or None
            if m:
                meta = Line(LineKind.META, lines[i].strip(), m.group("v").strip(), i + 1,
                            note=m.group("k"))
                builder.add(meta)
            i += 1
    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        n = i + 1
        i += 1
        if not s or s == "===" or s.startswith("="):
            continue
        if s.startswith("#"):
            section = s.lstrip("#").strip()
            m = EPISODE_RE.match(section)
            if m:
                number = cn_number(m.group("n")) if m.group("n") else int(m.group("ep"))
                builder.start_episode(number, m.group("title").strip() or None, n)
            elif s.startswith("# ") or not builder.has_episode:
                builder.start_episode(None, section, n)
            continue
        if SCENE_RE.match(s) or (s.startswith(".") and not s.startswith("..")):
            heading = s[1:] if s.startswith(".") else s
            rest = re.sub(r"^(?:INT\./EXT|INT/EXT|I/E|INT|EXT|EST)[.\s]+", "", heading, flags=re.I)
            rest = re.sub(r"#[^#]+#\s*$", "", rest)  # scene numbers
            inout = None
            m = re.match(r"^(INT|EXT|I/E|INT\./EXT|内景|外景|内外景)", heading, re.I)
            if m:
                inout = {"int": "内", "ext": "外", "内景": "内", "外景": "外"}.get(
                    m.group(1).lower(), "内外")
            parts = re.split(r"\s+[-–—]\s+", rest)
            fields = parse_heading_fields(" ".join(parts))
            if inout:
                fields["interior"] = inout
            if len(parts) > 1:
                fields["location"] = parts[0].strip()
                tod = parts[-1].strip()
                fields["time_of_day"] = {"DAY": "日", "NIGHT": "夜", "MORNING": "晨",
                                         "EVENING": "傍晚"}.get(tod.upper(), tod)
            builder.start_scene(Line(LineKind.HEADING, s, heading, n), label=None, **fields)
            continue
        m = TRANSITION_RE.match(s)
        if m and not s.endswith("<"):
            builder.add(Line(LineKind.TRANSITION, s, (m.group("t") or s).strip(), n, note=s))
            continue
        nxt = lines[i].strip() if i < len(lines) else ""
        is_cue = s.startswith("@") or (re.fullmatch(r"[A-Z][A-Z0-9 .'\-]+(?:\s*\(.*\))?\s*\^?", s)
                                       is not None)
        if is_cue and nxt and not s.startswith("!"):
            name = s.lstrip("@").strip()
            ext_m = EXTENSION_RE.search(name)
            ext = ext_m.group("ext").strip() if ext_m else ""
            if ext_m:
                name = name[: ext_m.start()].strip()
            is_vo = ext.upper().replace(" ", "") in {"V.O.", "O.S.", "VO", "OS", "O.C."} or ext in {
                "画外音", "内心", "旁白"}
            note: str | None = ext or None
            while i < len(lines) and lines[i].strip():
                body = lines[i].strip()
                n_body = i + 1
                i += 1
                if body.startswith("(") or body.startswith("（"):
                    note = body.strip("()（）")
                    continue
                builder.add(Line(LineKind.VOICEOVER if is_vo else LineKind.DIALOGUE,
                                 f"{name}：{body}", body.lstrip("~").strip(), n_body,
                                 speaker=name, note=note))
            continue
        body = s.lstrip("!").strip()
        if body.startswith(">") and body.endswith("<"):
            body = body[1:-1].strip()
        builder.add(Line(LineKind.ACTION, s, body, n))
    return builder.finish()
