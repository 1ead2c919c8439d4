"""Shared fixtures: the only conftest (STYLE 3.9).

Add new fixtures under their own comment block.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from texts import ENCODED_VARIANTS

DATA = Path(__file__).parent / "data"
SCRIPTS = DATA / "scripts"


# --- readers and timing (issue "Read real scripts") --------------------------------------------
# Encoded copies, .docx files and broken inputs are made once per session under
# tmp_path_factory from the UTF-8 sources in tests/data/scripts/, so no binary blobs are
# committed and every variant provably holds the same script.

@pytest.fixture(scope="session")
def encoded_scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same scripts saved in the encodings and line endings writers really use."""
    out = tmp_path_factory.mktemp("encoded")
    paths: dict[str, Path] = {}
    for name, (source, encoding, newline) in ENCODED_VARIANTS.items():
        text = (SCRIPTS / source).read_text(encoding="utf-8").replace("\n", newline)
        path = out / name / source  # same name as the source: titles come from file stems
        path.parent.mkdir()
        path.write_bytes(text.encode(encoding))
        paths[name] = path
    return paths


@pytest.fixture(scope="session")
def docx_scripts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Word documents built with python-docx: paragraphs, and a speaker | line table."""
    import docx

    out = tmp_path_factory.mktemp("docx")
    paths: dict[str, Path] = {}

    document = docx.Document()
    for paragraph in (SCRIPTS / "conventions.txt").read_text(encoding="utf-8").splitlines():
        document.add_paragraph(paragraph)
    paths["paragraphs"] = out / "paragraphs.docx"
    document.save(str(paths["paragraphs"]))

    document = docx.Document()
    document.add_paragraph("剧本名：《契约婚姻》")
    document.add_paragraph("第1集 领证")
    document.add_paragraph("1-1 日 内 民政局")
    document.add_paragraph("△ 两人并排坐着，谁也不看谁。")
    table = document.add_table(rows=3, cols=2)
    for row, (who, said) in zip(table.rows, [("顾言", "签了吧。"), ("苏晴（冷笑）", "三年为期。"),
                                             ("顾言OS", "她果然答应了。")], strict=True):
        row.cells[0].text, row.cells[1].text = who, said
    document.add_paragraph("第2集")
    document.add_paragraph("苏晴：我们只是合作。")
    paths["table"] = out / "table.docx"
    document.save(str(paths["table"]))

    empty = docx.Document()
    paths["no-text"] = out / "no_text.docx"
    empty.save(str(paths["no-text"]))
    return paths


@pytest.fixture(scope="session")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Files a judge's folder really contains: nothing, images, wrong bytes, junk archives."""
    from tropescan.readers import decode

    out = tmp_path_factory.mktemp("bad")
    paths = {name: out / name for name in (
        "empty.txt", "blank.txt", "binary.txt", "png.png", "undecodable.txt", "huge.txt",
        "garbage.docx", "not_a_docx.docx", "legacy.doc", "bad_timestamp.srt", "ends_first.srt",
        "no_cues.srt", "no_events.ass", "short_dialogue.ass", "missing.txt", "folder",
    )}
    paths["empty.txt"].write_bytes(b"")
    paths["blank.txt"].write_bytes(b" \n\n\t\n")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
    paths["binary.txt"].write_bytes(png)
    paths["png.png"].write_bytes(png)
    paths["undecodable.txt"].write_bytes("第1集\n林凡：".encode() + b"\xff\x80\xfe" * 5)
    with paths["huge.txt"].open("wb") as fh:  # sparse: takes no disk space
        fh.truncate(decode.MAX_BYTES + 1)
    paths["garbage.docx"].write_bytes(b"PK\x03\x04 this is not really a zip archive" * 3)
    with zipfile.ZipFile(paths["not_a_docx.docx"], "w") as zf:
        zf.writestr("hello.txt", "一个普通的压缩包")
    paths["legacy.doc"].write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    paths["bad_timestamp.srt"].write_bytes((SCRIPTS / "bad_timestamp.srt").read_bytes())
    paths["ends_first.srt"].write_text("1\n00:00:05,000 --> 00:00:02,000\n倒着的。\n",
                                       encoding="utf-8")
    paths["no_cues.srt"].write_text("这不是字幕文件。\n", encoding="utf-8")
    paths["no_events.ass"].write_text("[Script Info]\nTitle: 空\n", encoding="utf-8")
    paths["short_dialogue.ass"].write_text(
        "[Events]\nFormat: Layer, Start, End, Style, Name, Text\nDialogue: 0,0:00:01.00\n",
        encoding="utf-8")
    paths["folder"].mkdir()
    return paths


@pytest.fixture
def write_script(tmp_path: Path) -> Callable[..., Path]:
    """Write a snippet to a file and return its path: ``write_script("林凡：走。", "a.txt")``."""

    def write(text: str, name: str = "snippet.txt", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


# --- analysis: shared expensive state ------------------------------------------------------------
# The sample index is cached under TROPESCAN_CACHE; pointing it at a session temp folder keeps
# tests away from the user's cache and makes every run build it once from the current code.

@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TROPESCAN_CACHE", str(path))
        yield path


@pytest.fixture(scope="session")
def analyzer() -> Any:
    """An Analyzer with the shipped models and the bundled sample corpus index."""
    from tropescan.api import Analyzer

    return Analyzer()


@pytest.fixture(scope="session")
def lexicon_only_analyzer() -> Any:
    """No classifier, no twist model, no corpus: the lexicon rules alone."""
    from tropescan.api import Analyzer, Settings

    return Analyzer(Settings(use_classifier=False, use_twist_model=False), corpus=None)


@pytest.fixture(scope="session")
def sample_index(analyzer: Any) -> Any:
    return analyzer.corpus


@pytest.fixture(scope="session")
def sample_works() -> list[Any]:
    from tropescan.sample import read_manifest

    return read_manifest()
