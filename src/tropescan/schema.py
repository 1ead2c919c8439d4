"""One definition of every name that several modules share: output columns, the schema
version, method tags, file formats and extensions, twist categories and thresholds.

Layer 0: imports only ``errors`` (the messages of unsupported formats). A column list, an extension or a threshold changes
here and nowhere else (docs/formats.md documents the columns).
"""

from __future__ import annotations

from .errors import Errors

SCHEMA_VERSION = 2

# -- method tags, printed with every result ----------------------------------------------------
TROPES_METHOD = "combined.v2"
#: A trope is present in a script at this score (tropes.py decides, the plots draw the line).
PRESENT_THRESHOLD = 0.3
LEXICON_TROPES_METHOD = "lexicon.v1"
CLASSIFIER_METHOD = "tfidf.v1"
TWISTS_MODEL_METHOD = "twists.v4"  # the learned sentence model (twist_model.py)
TWISTS_RULE_METHOD = "twists.v1"  # the lexicon rule, without a model (twists.py)
ORIGINALITY_METHOD = "originality.v2"

# -- inputs ------------------------------------------------------------------------------------
FORMATS = ("text", "markdown", "fountain", "srt", "ass", "docx")
EXTENSIONS = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".fountain": "fountain", ".spmd": "fountain", ".srt": "srt", ".ass": "ass", ".ssa": "ass",
    ".docx": "docx",
}
UNSUPPORTED = {".doc": Errors.OLD_DOC, ".pdf": Errors.PDF, ".rtf": Errors.RTF}
SUFFIX_LIST = " ".join(sorted({ext for ext in EXTENSIONS}))  # for messages

# -- twists ------------------------------------------------------------------------------------
TWIST_CATEGORIES = ("reveal", "reversal", "face_slap", "betrayal", "crisis", "hook")

# -- originality and collections ---------------------------------------------------------------
# Two works at least this close by cosine are near-duplicates: in a collection's homogeneity
# and between the submissions of a batch alike.
DUPLICATE_COSINE = 0.5
SIMILAR_WORKS = 0.3  # work pairs this close get every chunk pair checked, not only LSH hits
SMALL_COLLECTION = 50  # fewer works than this borrow a reference corpus's idf

# -- output tables -----------------------------------------------------------------------------
TROPE_COLUMNS = ["trope", "name_zh", "name_en", "lexicon_score", "classifier_prob", "score",
                 "present", "evidence_count", "established"]
# what tagging a catalogue adds to each row
CATALOGUE_COLUMNS = ["tropes", "tropes_zh", "trope_scores"]
EVIDENCE_COLUMNS = ["trope", "cue", "weight", "episode", "scene", "line", "time_s", "text"]
TWIST_COLUMNS = ["episode", "line", "time_s", "series_time_s", "category", "score", "cues", "text"]
WINDOW_COLUMNS = ["episode", "index", "start_s", "end_s", "n_twists", "categories", "partial",
                  "expected", "p_twist"]
EPISODE_COLUMNS = ["episode", "duration_s", "n_twists", "density", "window_share",
                   "longest_gap_s", "first_twist_s", "ends_on_hook", "per_minute", "expected",
                   "low", "high"]
NEAREST_COLUMNS = ["rank", "work_id", "title", "similarity", "tropes", "shared_tropes"]
PASSAGE_COLUMNS = ["episode", "scene", "lines", "text", "work_id", "title", "work_episode",
                   "work_scene", "work_lines", "work_text", "overlap", "jaccard"]
STOCK_COLUMNS = ["line", "stock", "trope", "text"]
BORROWED_COLUMNS = ["work_id", "title", "share", "runs"]
BORROWED_PASSAGE_COLUMNS = ["lines", "text", "work_id", "title", "work_episode", "work_lines",
                            "work_text", "chars"]
PLOT_COLUMNS = ["rank", "work_id", "title", "plot_similarity", "text_similarity"]
# One row per script: the batch table and analyze_many share these columns.
ROW_COLUMNS = ["id", "path", "title", "format", "episodes", "duration_s", "top_tropes",
               "twist_density", "window_share", "longest_gap_s", "hook_share", "originality",
               "similarity_part", "reuse_part", "borrowed_part", "plot_part",
               "combination_part", "stock_part", "nearest_work", "nearest_similarity",
               "reused_passages", "borrowed_share", "nearest_plot", "plot_similarity",
               "status", "error"]
# What a batch adds about copying between its own submissions (judging.py): the score before
# it, the copying part, the share of the entry's text shared with its closest fellow
# submission, that submission's file name and the passages they share.
COPY_COLUMNS = ["scan_originality", "copying_part", "copy_share", "copy_partner",
                "copy_passages"]
RESULT_COLUMNS = ["rank", *ROW_COLUMNS, *COPY_COLUMNS, "similar_submissions", "report"]
NUMERIC_COLUMNS = ("episodes", "duration_s", "twist_density", "window_share", "longest_gap_s",
                   "hook_share", "originality", "similarity_part", "reuse_part",
                   "borrowed_part", "plot_part", "combination_part", "stock_part",
                   "nearest_similarity", "reused_passages", "borrowed_share", "plot_similarity")
INTEGER_COLUMNS = ("rank", "episodes", "reused_passages")
COPY_NUMERIC_COLUMNS = ("scan_originality", "copying_part", "copy_share", "copy_passages")
SUBMISSION_PAIR_COLUMNS = ["path_a", "path_b", "cosine", "shared_passages"]
WORK_PAIR_COLUMNS = ["work_a", "title_a", "work_b", "title_b", "cosine", "shared_passages"]
WORK_COLUMNS = ["id", "title", "path", "format", "labels", "tropes", "derived_from", "note",
                "n_chars", "digest", "chunk_start", "chunk_end"]
