"""Readers: any supported file -> ``Script`` with screen times.

``read_script(path)`` picks the reader by extension and content (override with ``format=``),
decodes the bytes, parses, then places every line on the timeline (``timing``).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import Errors, FormatError, InputError
from ..model import Script
from ..sample import read_manifest
from ..schema import EXTENSIONS, FORMATS, UNSUPPORTED
from ..timing import TimingProfile, estimate_timeline
from .decode import read_text
from .docx import parse_docx
from .fountain import parse_fountain
from .subtitles import SRT_TIME_RE, parse_ass, parse_srt
from .text import parse_text


def detect_format(path: Path, text: str | None = None) -> str:
    """Format from the extension, or from the content for unknown extensions."""
    ext = path.suffix.lower()
    if ext in UNSUPPORTED:
        raise InputError(UNSUPPORTED[ext], path=path)
    if ext in EXTENSIONS:
        return EXTENSIONS[ext]
    if text is None:
        return "text"
    head = text[:3000]
    if "[Script Info]" in head or "[Events]" in head:
        return "ass"
    numbered_cue = r"^\s*\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{3}\s*-->"
    if SRT_TIME_RE.search(head.split("\n\n", 1)[0]) or re.search(numbered_cue, head, re.M):
        return "srt"
    if re.search(r"^(?:INT|EXT)\.\s", head, re.M) or re.search(r"^@\S", head, re.M):
        return "fountain"
    return "text"


SAMPLE_PREFIX = "sample:"


def resolve_sample(path: str | Path) -> Path:
    """``sample:s071`` names a script of the bundled sample corpus by its manifest id."""
    text = str(path)
    if not text.startswith(SAMPLE_PREFIX):
        return Path(path)
    wanted = text[len(SAMPLE_PREFIX):]
    works = read_manifest()
    for work in works:
        if work.id == wanted:
            return work.path
    raise InputError(Errors.NO_SAMPLE(wanted=wanted, first=works[0].id, last=works[-1].id),
                     path=text)


def sample_title(path: Path) -> str | None:
    """The manifest title of a bundled sample script (``scan sample:s071`` shows
    青石县的上门女婿, not ``s071``)."""
    try:
        return next((w.title for w in read_manifest() if w.path == path), None)
    except InputError:
        return None


def read_script(
    path: str | Path,
    *,
    format: str | None = None,
    encoding: str | None = None,
    timing: TimingProfile | None = None,
) -> Script:
    """Read a script file into a timed ``Script``.

    Parameters
    ----------
    path : a .txt/.md/.fountain/.srt/.ass/.docx file (other extensions are sniffed), or
        ``sample:ID`` for a script of the bundled sample corpus.
    format : force a reader, one of ``FORMATS``.
    encoding : force a text encoding instead of detecting it.
    timing : the screen-time model for scripts without timestamps.

    Raises
    ------
    InputError, DecodeError, FormatError
        with the path and a one-line reason.
    """
    named_sample = str(path).startswith(SAMPLE_PREFIX)
    path = resolve_sample(path)
    if format is not None and format not in FORMATS:
        raise FormatError(Errors.UNKNOWN_FORMAT(format=format, choices=", ".join(FORMATS)),
                          path=path)
    fmt = format or detect_format(path)
    if fmt == "docx":
        script = parse_docx(path)
    else:
        text, used = read_text(path, encoding=encoding)
        text = text.lstrip("\ufeff")
        if format is None and fmt == "text" and path.suffix.lower() not in EXTENSIONS:
            fmt = detect_format(path, text)
        if fmt == "srt":
            script = parse_srt(text, path=str(path), encoding=used)
        elif fmt == "ass":
            script = parse_ass(text, path=str(path), encoding=used)
        elif fmt == "fountain":
            script = parse_fountain(text, path=str(path), encoding=used)
        else:
            script = parse_text(text, path=str(path), fmt=fmt, encoding=used).finish()
    if not script.episodes:
        raise FormatError(Errors.NO_CONTENT, path=path)
    if not script.title:
        script.title = (sample_title(path) if named_sample else None) or path.stem
    if not script.timed:
        estimate_timeline(script, timing or TimingProfile())
    return script


__all__ = ["EXTENSIONS", "FORMATS", "detect_format", "read_script", "resolve_sample"]
