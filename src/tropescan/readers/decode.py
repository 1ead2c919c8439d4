"""Bytes -> text: size and binary checks, BOMs, and a choice among the encodings Chinese
writers actually save in (UTF-8, GB18030/GBK from Chinese Windows tools, Big5 from Taiwan and
Hong Kong, UTF-16 from Word's "Unicode text").

No silent fallback that drops bytes (jieba's ``strdecode`` lesson): either one encoding decodes
the whole file strictly, or the user gets a ``DecodeError`` with a hint to pass ``--encoding``.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import DecodeError, Errors, InputError

MAX_BYTES = 50 * 1024 * 1024  # a 100-episode script is < 1 MB; 50 MB is surely not a script

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Very frequent characters in both scripts. A wrong legacy decoding (GBK bytes read as Big5
# or the reverse) yields rare characters instead, so the share of these tells them apart.
_COMMON = set(
    "的一是不了人我在有他这中大来上个们到说你要就出会也时对那么没好看都想还"
    "這個們說來為對會時麼沒還給過讓與從裡後開關發現點東樣爺謝"
    "，。！？：、“”（）"
)


def read_bytes(path: Path) -> bytes:
    """Read a file with the checks every reader needs first."""
    if not path.exists():
        raise InputError(Errors.NO_SUCH_FILE, path=path)
    if path.is_dir():
        raise InputError(Errors.IS_DIRECTORY, path=path)
    size = path.stat().st_size
    if size == 0:
        raise InputError(Errors.EMPTY_FILE, path=path)
    if size > MAX_BYTES:
        raise InputError(Errors.TOO_LARGE(size=size / 1e6, limit=MAX_BYTES // 2**20), path=path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(Errors.CANNOT_READ(reason=exc.strerror), path=path) from exc


def _looks_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: every other byte is NUL for ASCII-heavy text, rare for CJK."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / len(sample[0::2])
    odd_nul = sample[1::2].count(0) / len(sample[1::2])
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    # Chinese text has few ASCII characters (newlines, digits), so few NULs, nearly all on one
    # side (the other gets one from U+xx00 characters such as 一). Binary files have NULs on
    # both sides; ``decode`` still rejects a result full of control characters.
    if odd_nul >= 0.01 and even_nul * 4 < odd_nul:
        return "utf-16-le"
    if even_nul >= 0.01 and odd_nul * 4 < even_nul:
        return "utf-16-be"
    return None


def _score(text: str) -> float:
    """Share of very common characters, less private-use ones: Big5 bytes read as GB18030
    decode "strictly" into rare and private-use characters."""
    if not text:
        return 0.0
    private = sum("\ue000" <= ch <= "\uf8ff" for ch in text)
    return (sum(ch in _COMMON for ch in text) - 2 * private) / len(text)


def decode(
    data: bytes, *, path: Path | str | None = None, encoding: str | None = None
) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding_name)``.

    >>> decode("第1集".encode("gb18030"))
    ('第1集', 'gb18030')
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError as exc:
            raise DecodeError(Errors.UNKNOWN_ENCODING(encoding=encoding), path=path) from exc
        except UnicodeDecodeError as exc:
            raise DecodeError(Errors.NOT_IN_ENCODING(encoding=encoding, at=exc.start),
                              path=path) from exc
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise DecodeError(Errors.BAD_BOM(name=name),
                                  path=path) from exc
    utf16 = _looks_utf16(data)
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            pass
        else:
            if _control_share(text) <= 0.01:
                return text, utf16
    if b"\x00" in data[:8192]:
        raise InputError(Errors.BINARY_FILE, path=path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: list[tuple[float, str, str]] = []
    # Big5 as Taiwan's Windows writes it is cp950 (裏, 恒 …); Hong Kong's adds HKSCS (咗, 哋 …):
    # strict big5 rejects both, so they are candidates of their own.
    for name in ("gb18030", "big5", "cp950", "big5hkscs"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if any(text == seen for _, _, seen in candidates):
            continue  # a superset decoding the same: keep the plainer name (big5, not cp950)
        candidates.append((_score(text), name, text))
    if not candidates:
        raise DecodeError(Errors.UNDECODABLE, path=path)
    # the best score; on a tie the earlier candidate (big5 before cp950: where the two differ,
    # as for ／, a file that decodes as strict Big5 means Big5)
    score, name, text = max(candidates, key=lambda c: (c[0], -candidates.index(c)))
    if score < 0.02 and _control_share(text) > 0.01:
        raise InputError(Errors.BINARY_FILE, path=path)
    return text, name


def _control_share(text: str) -> float:
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t\f")
    return bad / max(len(text), 1)


def read_text(path: Path, *, encoding: str | None = None) -> tuple[str, str]:
    """Read and decode a text file, rejecting binaries that happen to decode."""
    text, name = decode(read_bytes(path), path=path, encoding=encoding)
    if _control_share(text) > 0.01:
        raise InputError(Errors.BINARY_FILE, path=path)
    if not text.strip():
        raise InputError(Errors.NO_TEXT, path=path)
    return text, name
