"""Word documents (.docx) via python-docx.

Input: a .docx path. Output: the paragraphs and table rows in document order, handed to the
plain-text parser (Word scripts follow the same conventions). A soft line break
(Shift+Enter) inside a paragraph starts a new line, as writers mean it; a tab stays a tab
(``林晚⇥（低声）走吧。`` is dialogue). Source line numbers count these lines and table rows,
1-based.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..errors import Errors, FormatError
from ..model import Script
from .decode import read_bytes
from .text import parse_text


def docx_lines(path: Path) -> list[str]:
    read_bytes(path)  # size, emptiness and existence checks shared with text files
    try:
        import docx
        from docx.oxml.ns import qn
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise FormatError(Errors.DOCX_NEEDS_LIBRARY,
                          path=path) from exc
    if not zipfile.is_zipfile(path):
        with path.open("rb") as fh:
            zip_head = fh.read(4) == b"PK\x03\x04"  # a zip cut short: copied or saved half-way
        raise FormatError(Errors.TRUNCATED_DOCX if zip_head else Errors.NOT_DOCX, path=path)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several unrelated types for broken packages
        raise FormatError(Errors.CORRUPT_DOCX(detail=f"{type(exc).__name__}: {exc}"[:180]), path=path) from exc
    def text_of(element: object) -> str:
        # The runs' own text, tabs and breaks; w:tab under paragraph properties is a tab stop.
        parts: list[str] = []
        for run in element.iter(qn("w:r")):  # type: ignore[attr-defined]
            for el in run:
                if el.tag == qn("w:t"):
                    parts.append(el.text or "")
                elif el.tag == qn("w:tab"):
                    parts.append("\t")
                elif el.tag in (qn("w:br"), qn("w:cr")):
                    parts.append("\n")
        return "".join(parts)

    out: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            out.extend(text_of(child).split("\n"))
        elif child.tag == qn("w:tbl"):
            for row in child.iter(qn("w:tr")):
                cells = [text_of(cell).replace("\n", "").replace("\t", " ").strip()
                         for cell in row.iter(qn("w:tc"))]
                cells = [c for c in cells if c]
                # A two-column table is speaker | line (or name | description in a cast table).
                out.append("：".join(cells[:2]) + ("".join(cells[2:]) if len(cells) > 2 else ""))
    return out


def parse_docx(path: Path) -> Script:
    lines = docx_lines(path)
    if not any(s.strip() for s in lines):
        raise FormatError(Errors.EMPTY_DOCUMENT, path=path)
    return parse_text("\n".join(lines), path=str(path), fmt="docx", encoding="docx").finish()
