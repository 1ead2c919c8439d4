"""One exception hierarchy for everything a user can get wrong.

Every error carries the path it concerns (when there is one) and a human message with a
stable ``TS`` code, so the CLI can print one line and tests can assert on the code.
"""

from __future__ import annotations

from pathlib import Path


class TropescanError(Exception):
    """Base class: a problem with the user's input, data or settings (not a bug)."""

    code = "TS000"

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message} [{self.code}]"


class InputError(TropescanError):
    """The file cannot be read at all: missing, a directory, empty, too large, binary."""

    code = "TS100"


class DecodeError(InputError):
    """The bytes are not text in any encoding we support."""

    code = "TS101"


class FormatError(TropescanError):
    """The file is readable but malformed for its format (bad SRT timestamp, corrupt .docx)."""

    code = "TS110"


class LexiconError(TropescanError):
    """A lexicon file does not follow the schema."""

    code = "TS200"


class ModelError(TropescanError):
    """A saved classifier is missing, corrupt or does not match the lexicons."""

    code = "TS300"


class IndexError_(TropescanError):
    """A corpus index is corrupt, foreign or stale."""

    code = "TS400"


class SettingsError(TropescanError):
    """A parameter has a value outside its allowed range."""

    code = "TS500"


# A public alias without the trailing underscore; the underscore avoids shadowing the builtin
# inside this module only.
CorpusIndexError = IndexError_
