"""One exception hierarchy for everything a user can get wrong, and the catalogue of its
messages: one stable ``TS`` code per message (spaCy's ``Errors`` style).

Every error carries the path it concerns (when there is one) and a human message, so the
CLI prints one line (``draft.txt: the file is empty [TS100]``) and tests can assert on the
code. Raise with a catalogue entry, filling its fields::

    raise InputError(Errors.TOO_LARGE(size=12, limit=50), path=path)

Codes by range: 1xx input and formats, 2xx lexicons, 3xx models, 4xx corpus indexes,
5xx settings, 6xx running (clusters, parallel batches). A code is never reused for another
message; a message that goes away leaves its code unused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Message:
    """A catalogue entry: its code and its text (a ``str.format`` template)."""

    code: str
    text: str

    def __call__(self, **fields: Any) -> Message:
        """The message with its fields filled in (same code)."""
        return Message(self.code, self.text.format(**fields))


class Errors:
    """Every message a ``TropescanError`` can carry. Flags named here exist on the commands
    that can raise them."""

    # -- 1xx: input files ----------------------------------------------------------------------
    EMPTY_FILE = Message("TS100", "the file is empty")
    NO_SUCH_FILE = Message("TS101", "no such file")
    IS_DIRECTORY = Message("TS102", "is a directory, expected a script file")
    TOO_LARGE = Message("TS103", "the file is {size:.0f} MB, over the {limit} MB limit for a "
                                 "script")
    CANNOT_READ = Message("TS104", "cannot read: {reason}")
    BINARY_FILE = Message("TS105", "looks like a binary file, not a script")
    NO_TEXT = Message("TS106", "the file has no text")
    OLD_DOC = Message("TS107", "old Word .doc files are not supported; save as .docx")
    PDF = Message("TS108", "PDF is not supported; export the script as .docx or .txt")
    RTF = Message("TS109", "RTF is not supported; save as .docx or .txt")
    NO_SAMPLE = Message("TS110", "no sample script {wanted!r}; ids run from {first} to {last}")
    NO_MANIFEST = Message("TS111", "no such manifest or label file")
    MANIFEST_ROW = Message("TS112", "every row needs id and file")
    NOT_A_MANIFEST = Message("TS113", "not a manifest (needs id and file columns): {detail}")
    NO_SCRIPTS = Message("TS114", "no scripts found ({suffixes})")
    NOT_RESULTS = Message("TS115", "not a tropescan results table (no path column); use "
                                   "another -o")
    UNREADABLE_RESULTS = Message("TS116", "cannot read this results table ({kind}); use "
                                          "another -o")
    NOT_A_CATALOGUE = Message("TS117", "a catalogue must be .csv, .xlsx or .parquet, got "
                                       "{suffix}")
    UNREADABLE_CATALOGUE = Message("TS118", "cannot read this catalogue ({kind})")
    NO_COLUMN = Message("TS119", "no column {column!r} (the columns are: {columns})")
    UNKNOWN_SET = Message("TS150", "no labelled set {name!r}; choose one of {choices}")
    NO_OUTPUT_FOLDER = Message("TS151", "no such folder for the output (make it first)")
    # decoding
    UNKNOWN_ENCODING = Message("TS120", "unknown encoding {encoding!r}")
    NOT_IN_ENCODING = Message("TS121", "not valid {encoding} at byte {at}; try another "
                                       "--encoding")
    BAD_BOM = Message("TS122", "has a {name} byte-order mark but invalid bytes")
    UNDECODABLE = Message("TS123", "cannot decode as UTF-8, UTF-16, GB18030 or Big5 (cp950, "
                                   "HKSCS); pass --encoding NAME")
    # formats
    UNKNOWN_FORMAT = Message("TS130", "unknown format {format!r}; choose one of {choices}")
    NO_CONTENT = Message("TS131", "no script content found")
    DOCX_NEEDS_LIBRARY = Message("TS132", "reading .docx needs python-docx: pip install "
                                          "python-docx")
    NOT_DOCX = Message("TS133", "not a valid .docx file (not a zip archive; an old .doc? save "
                                "as .docx)")
    CORRUPT_DOCX = Message("TS134", "corrupt .docx: {detail}")
    EMPTY_DOCUMENT = Message("TS135", "the document has no text")
    TRUNCATED_DOCX = Message("TS144", "a damaged .docx (the file is cut short or corrupt): "
                                      "save it again from Word or WPS")
    SRT_TIMESTAMP = Message("TS136", "expected a timestamp like 00:00:01,000 --> "
                                     "00:00:02,500, got {got!r}")
    SRT_MALFORMED_TIME = Message("TS137", "malformed timestamp {got!r}")
    NO_CUES = Message("TS138", "no subtitle cues found")
    CUE_BACKWARDS = Message("TS139", "cue ends before it starts ({end:.2f} < {start:.2f})")
    ASS_BEFORE_FORMAT = Message("TS140", "Dialogue before the [Events] Format line")
    ASS_FIELDS = Message("TS141", "Dialogue line has too few fields")
    ASS_TIME = Message("TS142", "malformed time in {line!r}")
    ASS_NO_DIALOGUE = Message("TS143", "no Dialogue lines in an [Events] section")

    # -- 2xx: lexicons -------------------------------------------------------------------------
    LEXICON_PROBLEMS = Message("TS200", "{problems}")
    LEXICON_UNREADABLE = Message("TS201", "cannot read: {reason}")
    LEXICON_NOT_UTF8 = Message("TS202", "not UTF-8 text")
    LEXICON_SYNTAX = Message("TS203", "TOML syntax: {detail}")
    NO_TROPE_LEXICONS = Message("TS204", "no trope lexicons (tropes/*.toml) found")
    NO_LEXICON_FILE = Message("TS205", "no such lexicon file")

    # -- 3xx: models ---------------------------------------------------------------------------
    NOT_A_MODEL = Message("TS300", "not a tropescan {what} folder (model.json/weights.npz "
                                   "missing)")
    CLASSIFIER_NOT_FITTED = Message("TS301", "this TropeClassifier is not fitted yet: call "
                                             "fit() or load()")
    CORRUPT_MODEL = Message("TS302", "corrupt {what}: {detail}")
    MODEL_NOT_OBJECT = Message("TS303", "corrupt {what}: model.json is not a JSON object")
    TWIST_NOT_FITTED = Message("TS304", "this TwistModel is not fitted: call fit() or load()")
    TWIST_VERSION = Message("TS305", "twist model from another version; retrain with "
                                     "`tropescan train`")
    TWIST_ENTRY = Message("TS306", "corrupt twist model: bad or missing model.json entry "
                                   "(params, classes, vocabulary): {detail}")
    TWIST_CLASSES = Message("TS307", "corrupt twist model: classes {got} are not {expected}")
    TWIST_SHAPES = Message("TS308", "corrupt twist model: array shapes or types do not match "
                                    "the features, vocabulary and classes")
    CLASSIFIER_FORMAT = Message("TS309", "unsupported classifier format {got!r}; retrain with "
                                         "`tropescan train`")
    CLASSIFIER_ENTRY = Message("TS310", "corrupt classifier: bad or missing model.json entry "
                                        "({detail})")
    CLASSIFIER_SHAPES = Message("TS311", "corrupt classifier: array shapes or types do not "
                                         "match the vocabulary and classes")

    # -- 4xx: corpus indexes -------------------------------------------------------------------
    CORRUPT_INDEX = Message("TS400", "corrupt index: {detail}")
    NO_INDEX_FOLDER = Message("TS401", "no index folder here (build one with `tropescan index "
                                       "build`)")
    NOT_AN_INDEX = Message("TS402", "not a tropescan index (index.json missing)")
    CORRUPT_INDEX_JSON = Message("TS403", "corrupt index.json: {detail}")
    FOREIGN_INDEX = Message("TS404", "foreign index format {got!r}, expected {expected!r}")
    INDEX_MINHASH = Message("TS405", "index uses MinHash scheme {got!r}, expected "
                                     "{expected!r}: rebuild it with `tropescan index build`")
    STALE_INDEX = Message("TS406", "stale index: built with lexicon {built}, current is "
                                   "{current}; rebuild it with `tropescan index build`")
    INDEX_SIZES = Message("TS407", "corrupt index: table sizes do not agree")
    INDEX_TYPES = Message("TS408", "corrupt index: unexpected array types")
    INDEX_OTHER_LEXICON = Message("TS409", "index was built with lexicon {built}, current is "
                                           "{current}: rebuild it with `tropescan index build`")
    NOTHING_TO_INDEX = Message("TS410", "no readable scripts to index")

    # -- 5xx: settings -------------------------------------------------------------------------
    WINDOW_RANGE = Message("TS500", "window_s must be between 1 and 600 seconds, got {got!r}")
    TOP_K_RANGE = Message("TS501", "top_k must be an int between 1 and 100, got {got!r}")
    TWIST_THRESHOLD = Message("TS502", "twist_threshold must be > 0")
    BACKEND = Message("TS503", "backend must be one of {choices}, got {got!r}")
    CLASSIFIER_C = Message("TS504", "C must be > 0, got {got!r}")
    CLASSIFIER_MIN_DF = Message("TS505", "min_df must be an int >= 1, got {got!r}")
    CLASSIFIER_MAX_FEATURES = Message("TS506", "max_features must be an int >= 10, got {got!r}")
    TIMING_NUMBER = Message("TS507", "timing parameter {name} must be a finite number >= 0, got "
                                     "{got!r}")
    TIMING_POSITIVE = Message("TS508", "timing parameter {name} must be > 0")
    TIMING_ACTION = Message("TS509", "max_action_s must be >= min_action_s")
    RESULTS_SUFFIX = Message("TS510", "results must be .csv, .xlsx or .parquet, got {got!r}")

    # -- 6xx: running --------------------------------------------------------------------------
    NEEDS_DASK = Message("TS600", "--scheduler needs Dask: pip install 'tropescan[dask]'")
    NO_SCHEDULER = Message("TS601", "cannot reach the Dask scheduler at {address}: {detail}")
    UNSAVED_INDEX = Message("TS602", "save the CorpusIndex before a parallel batch "
                                     "(index.save(path))")

    @classmethod
    def all(cls) -> dict[str, Message]:
        """Every entry by name."""
        return {k: v for k, v in vars(cls).items() if isinstance(v, Message)}


class TropescanError(Exception):
    """Base class: a problem with the user's input, data or settings (not a bug)."""

    code = "TS000"  # the class's own code, for a plain-string message (user extensions)

    def __init__(self, message: Message | str, *, path: str | Path | None = None,
                 line: int | None = None):
        if isinstance(message, Message):
            self.code = message.code
            message = message.text
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


class DecodeError(InputError):
    """The bytes are not text in any encoding we support."""


class FormatError(TropescanError):
    """The file is readable but malformed for its format (bad SRT timestamp, corrupt .docx)."""


class LexiconError(TropescanError):
    """A lexicon file does not follow the schema."""


class ModelError(TropescanError):
    """A saved classifier is missing, corrupt or does not match the lexicons."""


class IndexError_(TropescanError):
    """A corpus index is corrupt, foreign or stale."""


class SettingsError(TropescanError):
    """A parameter has a value outside its allowed range."""


class RunError(TropescanError):
    """The work cannot be run as asked (no cluster to reach, an unsaved index to share)."""


# A public alias without the trailing underscore; the underscore avoids shadowing the builtin
# inside this module only.
CorpusIndexError = IndexError_
