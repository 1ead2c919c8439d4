"""``CorpusIndex``: build, add, save/load, and refusing an index that cannot be trusted.

Issue "Originality against a corpus, and the homogeneity of a collection". The small corpus
(``small_corpus`` in conftest.py) holds five sample scripts: two near-copy pairs and a culture
script; ``small_index_path`` is its saved index, copied by every test that damages it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from texts import catalogue_code

from tropescan.batch import add_to_index, build_index
from tropescan.cli import main
from tropescan.corpus import FORMAT, CorpusIndex
from tropescan.errors import CorpusIndexError, InputError, TropescanError
from tropescan.lexicon import load_lexicon
from tropescan.schema import SMALL_COLLECTION
from tropescan.sources import resolve_sources

SMALL_IDS = {"s002", "s071", "s012", "s072", "s057"}


def work_ids(index: CorpusIndex) -> set[str]:
    return {w.id for w in index.works}


def copy_index(src: Path, tmp_path: Path, name: str = "copy.idx") -> Path:
    dst = tmp_path / name
    shutil.copytree(src, dst)
    return dst


def query_counts(index: CorpusIndex) -> dict[str, int]:
    """Term counts that hit many works: every vocabulary word once."""
    return dict.fromkeys(index.vocab, 1)


# -- building --------------------------------------------------------------------------------

SOURCES: list[Any] = [
    pytest.param(lambda root: root / "scripts", "stem", id="folder"),
    pytest.param(lambda root: root / "manifest.csv", "manifest", id="manifest-csv"),
    pytest.param(lambda root: root, "manifest", id="folder-with-manifest"),
    pytest.param(lambda root: sorted((root / "scripts").iterdir()), "stem", id="list-of-paths"),
    pytest.param(lambda root: [str(p) for p in sorted((root / "scripts").iterdir())], "stem",
                 id="list-of-strings"),
]


@pytest.mark.parametrize(("source", "ids"), SOURCES)
def test_corpus_build_from(source: Callable[[Path], Any], ids: str, small_corpus: Path,
                           corpus_analyzer: Any, small_index_path: Path) -> None:
    index = build_index(source(small_corpus), analyzer=corpus_analyzer)
    assert work_ids(index) == SMALL_IDS
    reference = CorpusIndex.load(small_index_path)
    # the same texts give the same works, whatever the source form
    assert sorted(w.digest for w in index.works) == sorted(w.digest for w in reference.works)
    assert index.n_chunks == reference.n_chunks > 0
    by_id = {w.id: w for w in index.works}
    if ids == "manifest":
        assert by_id["s071"].derived_from == "s002"
        assert by_id["s057"].title == "标题s057"
    else:
        assert all(w.derived_from == "" for w in index.works)
        assert by_id["s071"].path.endswith("s071.txt")


def test_corpus_build_from_features_matches_build(small_index_path: Path,
                                                  sample_features: dict[str, Any],
                                                  sample_index: CorpusIndex,
                                                  corpus_analyzer: Any) -> None:
    """``from_features`` on already computed features gives the index ``build`` gives (a
    small one with the sample corpus's weights, recorded in its meta)."""
    built = CorpusIndex.load(small_index_path)
    assert len(built) < SMALL_COLLECTION and built.meta["idf_from"] == "reference"
    made = CorpusIndex.from_features([sample_features[w.id] for w in built.works],
                                     origin=corpus_analyzer.index_origin(),
                                     reference=sample_index)
    assert made.vocab == built.vocab
    np.testing.assert_allclose(made.idf, built.idf)
    np.testing.assert_allclose(made.X.toarray(), built.X.toarray(), atol=1e-6)
    np.testing.assert_array_equal(made.sig, built.sig)


def test_corpus_sample_features_reproduce_sample_index(sample_index: CorpusIndex,
                                                       sample_features: dict[str, Any],
                                                       corpus_analyzer: Any) -> None:
    """Sub-corpora in the originality tests are made from these features: they must give
    the sample index itself when none is left out."""
    made = CorpusIndex.from_features([sample_features[w.id] for w in sample_index.works],
                                     origin=corpus_analyzer.index_origin())
    assert made.vocab == sample_index.vocab
    np.testing.assert_allclose(made.X.toarray(), sample_index.X.toarray(), atol=1e-6)
    np.testing.assert_array_equal(made.chunk_pos, sample_index.chunk_pos)


def test_corpus_build_reports_unreadable_files(small_corpus: Path, corpus_analyzer: Any,
                                               tmp_path: Path, bad_inputs: dict[str, Path]) -> None:
    paths = [small_corpus / "scripts" / "s057.txt", bad_inputs["empty.txt"],
             bad_inputs["binary.txt"], small_corpus / "scripts" / "s002.txt",
             tmp_path / "missing.txt"]
    errors: list[tuple[str, str]] = []
    index = build_index(paths, analyzer=corpus_analyzer,
                              on_error=lambda path, msg: errors.append((path, msg)))
    assert work_ids(index) == {"s057", "s002"}
    assert sorted(p for p, _ in errors) == sorted(
        str(p) for p in (bad_inputs["empty.txt"], bad_inputs["binary.txt"], tmp_path / "missing.txt"))
    assert all(msg and "Traceback" not in msg for _, msg in errors)


NOTHING_READABLE = [
    pytest.param(lambda bad, tmp: [bad["empty.txt"], bad["binary.txt"]], CorpusIndexError,
                 id="only-unreadable-files"),
    pytest.param(lambda bad, tmp: [tmp / "nowhere.txt"], CorpusIndexError, id="missing-file"),
    pytest.param(lambda bad, tmp: bad["folder"], InputError, id="folder-without-scripts"),
]


@pytest.mark.parametrize(("sources", "error"), NOTHING_READABLE)
def test_corpus_build_without_readable_work_raises(sources: Callable[..., Any],
                                                   error: type[Exception],
                                                   bad_inputs: dict[str, Path], tmp_path: Path,
                                                   corpus_analyzer: Any) -> None:
    with pytest.raises(error):
        build_index(sources(bad_inputs, tmp_path), analyzer=corpus_analyzer)


def test_corpus_resolve_sources_rejects_bad_manifest(tmp_path: Path) -> None:
    manifest = tmp_path / "list.csv"
    manifest.write_text("name,path\na,a.txt\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        resolve_sources(manifest)
    assert err.value.path == str(manifest)


# -- adding ----------------------------------------------------------------------------------

def test_corpus_add_new_and_skip_duplicates(small_corpus: Path, corpus_analyzer: Any,
                                            tmp_path: Path) -> None:
    scripts = small_corpus / "scripts"
    index = build_index([scripts / "s002.txt", scripts / "s057.txt"],
                              analyzer=corpus_analyzer)
    chunks_before = index.n_chunks
    vocab_before = list(index.vocab)
    same_text = tmp_path / "renamed_copy.txt"
    same_text.write_bytes((scripts / "s002.txt").read_bytes())
    added = add_to_index(index, [scripts / "s071.txt", same_text, scripts / "s057.txt"],
                      analyzer=corpus_analyzer)
    assert added == 1
    assert work_ids(index) == {"s002", "s057", "s071"}
    assert index.vocab == vocab_before  # add keeps the vocabulary: rebuild to refresh it
    s071 = index.works[-1]
    assert index.n_chunks == s071.chunk_end > s071.chunk_start == chunks_before
    assert set(index.chunk_pos[s071.chunk_start:, 0].tolist()) == {2}
    assert add_to_index(index, [scripts / "s071.txt"], analyzer=corpus_analyzer) == 0
    # a new text under a known id gets a distinct id
    other = tmp_path / "other" / "s002.txt"
    other.parent.mkdir()
    other.write_bytes((scripts / "s012.txt").read_bytes())
    assert add_to_index(index, [other], analyzer=corpus_analyzer) == 1
    assert [w.id for w in index.works] == ["s002", "s057", "s071", "s002~3"]
    # the added work is found by a query made of its own words
    sims = index.similarities(query_counts(index))
    assert sims.shape == (4,) and np.all(sims > 0)


def test_corpus_add_reports_unreadable(small_index_path: Path, corpus_analyzer: Any,
                                       bad_inputs: dict[str, Path]) -> None:
    index = CorpusIndex.load(small_index_path)
    errors: list[str] = []
    assert add_to_index(index, [bad_inputs["empty.txt"]], analyzer=corpus_analyzer,
                     on_error=lambda path, msg: errors.append(path)) == 0
    assert errors == [str(bad_inputs["empty.txt"])]
    assert len(index) == len(SMALL_IDS)


def test_corpus_add_refuses_other_lexicon(small_index_path: Path, small_corpus: Path,
                                          tmp_path: Path) -> None:
    from tropescan.api import Analyzer, Settings

    extra = write_extra_lexicon(tmp_path)
    other = Analyzer(Settings(lexicons=(str(extra),), use_classifier=False,
                              use_twist_model=False), corpus=None)
    index = CorpusIndex.load(small_index_path)
    with pytest.raises(CorpusIndexError, match="lexicon"):
        add_to_index(index, [small_corpus / "scripts" / "s057.txt"], analyzer=other)


# -- info, save and load ---------------------------------------------------------------------

def test_corpus_info(small_index_path: Path, corpus_analyzer: Any) -> None:
    index = CorpusIndex.load(small_index_path)
    info = index.info()
    assert info["format"] == FORMAT
    assert info["n_works"] == 5
    assert info["n_chunks"] == index.n_chunks > 0
    assert info["vocabulary"] == len(index.vocab) > 0
    assert info["nnz"] == index.X.nnz
    assert info["lexicon_version"] == corpus_analyzer.lexicon.version
    assert "path" not in info
    assert sum(info["trope_counts"].values()) == sum(len(t) for t in index.work_tropes())
    json.dumps(info)  # printable as JSON by `index info`


@pytest.mark.parametrize("mmap", [pytest.param(True, id="mmap"), pytest.param(False, id="in-memory")])
def test_corpus_save_load_round_trip(mmap: bool, small_corpus: Path, corpus_analyzer: Any,
                                     tmp_path: Path) -> None:
    index = build_index(small_corpus / "manifest.csv", analyzer=corpus_analyzer)
    loaded = CorpusIndex.load(index.save(tmp_path / "round.idx"), mmap=mmap)
    assert loaded.works == index.works
    assert loaded.vocab == index.vocab
    assert [loaded.chunk_text(i) for i in range(loaded.n_chunks)] == \
        [index.chunk_text(i) for i in range(index.n_chunks)]
    q = query_counts(index)
    np.testing.assert_array_equal(loaded.similarities(q), index.similarities(q))
    np.testing.assert_array_equal(np.asarray(loaded.sig), index.sig)
    np.testing.assert_array_equal(np.asarray(loaded.bands), index.bands)
    np.testing.assert_array_equal(loaded.chunk_pos, index.chunk_pos)
    assert loaded.meta["path"] == str(tmp_path / "round.idx")
    assert {k: v for k, v in loaded.info().items() if k != "path"} == index.info()
    # a loaded index saves and loads again unchanged
    again = CorpusIndex.load(loaded.save(tmp_path / "again.idx"))
    np.testing.assert_array_equal(again.similarities(q), index.similarities(q))


def test_corpus_save_replaces_existing_index(small_index_path: Path, small_corpus: Path,
                                             corpus_analyzer: Any, tmp_path: Path) -> None:
    target = copy_index(small_index_path, tmp_path, "target.idx")
    (target / "stray.txt").write_text("left from an older version", encoding="utf-8")
    smaller = build_index([small_corpus / "scripts" / "s057.txt"], analyzer=corpus_analyzer)
    smaller.save(target)
    assert work_ids(CorpusIndex.load(target)) == {"s057"}
    assert not (target / "stray.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target.idx"]


def test_corpus_failed_save_keeps_old_index(small_index_path: Path, small_corpus: Path,
                                            corpus_analyzer: Any, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    target = copy_index(small_index_path, tmp_path, "target.idx")
    smaller = build_index([small_corpus / "scripts" / "s057.txt"], analyzer=corpus_analyzer)
    real_save = np.save
    calls: list[str] = []

    def failing_save(file: Any, arr: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(str(file))
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        real_save(file, arr, *args, **kwargs)

    monkeypatch.setattr(np, "save", failing_save)
    with pytest.raises(OSError, match="No space"):
        smaller.save(target)
    monkeypatch.undo()
    assert len(calls) == 2
    assert work_ids(CorpusIndex.load(target)) == SMALL_IDS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target.idx"]


# -- refusing what cannot be trusted ---------------------------------------------------------

def write_extra_lexicon(folder: Path) -> Path:
    """One more stock line: a different lexicon version, nothing else."""
    path = folder / "extra_stock.toml"
    path.write_text('[lines]\n"我命由我不由天" = ""\n', encoding="utf-8")
    return path


def _set_meta(path: Path, **changes: Any) -> None:
    meta = json.loads((path / "index.json").read_text(encoding="utf-8"))
    meta.update(changes)
    (path / "index.json").write_text(json.dumps(meta), encoding="utf-8")


def _truncate(name: str, keep: int) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        data = (path / name).read_bytes()
        (path / name).write_bytes(data[:keep] if keep >= 0 else data[:len(data) + keep])

    return damage


def _drop_last_work(path: Path) -> None:
    rows = (path / "works.csv").read_text(encoding="utf-8").splitlines()
    (path / "works.csv").write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")


def _shorten(name: str) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        np.save(path / name, np.load(path / name)[:-1])

    return damage


DAMAGE: list[Any] = [
    pytest.param(lambda p: (p / "index.json").unlink(), "index.json missing", id="no-index-json"),
    pytest.param(lambda p: (p / "index.json").write_text("{not json", encoding="utf-8"),
                 "corrupt index.json", id="bad-json"),
    pytest.param(lambda p: (p / "index.json").write_bytes(b"\xff\xfe\x00{"), "corrupt index.json",
                 id="json-not-utf8"),
    pytest.param(lambda p: (p / "index.json").write_text("[1, 2]", encoding="utf-8"),
                 "foreign index format", id="json-not-object"),
    pytest.param(lambda p: _set_meta(p, format="other.index/9"), "foreign index format 'other",
                 id="wrong-format"),
    pytest.param(lambda p: _set_meta(p, format="tropescan.index/4"), "foreign index format",
                 id="future-format"),
    pytest.param(_truncate("sig.npy", 200), "corrupt index", id="truncated-sig-npy"),
    pytest.param(_truncate("sig.npy", 40), "corrupt index", id="truncated-npy-header"),
    pytest.param(_truncate("idf.npy", -8), "corrupt index", id="truncated-idf-npy"),
    pytest.param(_truncate("bands.npy", 0), "corrupt index", id="empty-npy"),
    pytest.param(_truncate("X.npz", 300), "corrupt index", id="truncated-npz"),
    pytest.param(_truncate("chunk_text.bin", 300), "table sizes do not agree",
                 id="truncated-chunk-text"),
    pytest.param(_truncate("chunk_match.bin", 300), "table sizes do not agree",
                 id="match-truncated-chunk-text"),
    pytest.param(lambda p: (p / "vocab.json").unlink(), "corrupt index", id="missing-vocab"),
    pytest.param(lambda p: (p / "vocab.json").write_text("[", encoding="utf-8"), "corrupt index",
                 id="bad-vocab-json"),
    pytest.param(_drop_last_work, "table sizes do not agree", id="works-csv-short"),
    pytest.param(_shorten("idf.npy"), "table sizes do not agree", id="idf-short"),
    pytest.param(_shorten("chunk_pos.npy"), "table sizes do not agree", id="chunk-pos-short"),
    pytest.param(lambda p: _set_meta(p, n_works=99), "table sizes do not agree",
                 id="n-works-disagrees"),
    pytest.param(lambda p: _set_meta(p, n_chunks="many"), "corrupt index", id="n-chunks-not-int"),
    pytest.param(lambda p: np.save(p / "sig.npy", np.load(p / "sig.npy").astype(np.float64)),
                 "unexpected array types", id="sig-wrong-dtype"),
    pytest.param(lambda p: (p / "works.csv").write_text(
        (p / "works.csv").read_text(encoding="utf-8").replace(",0,", ",zero,", 1),
        encoding="utf-8"), "corrupt index", id="works-csv-not-numbers"),
]


@pytest.mark.parametrize(("damage", "message"), DAMAGE)
def test_corpus_load_refuses_damaged_index(damage: Callable[[Path], None], message: str,
                                           small_index_path: Path, tmp_path: Path) -> None:
    path = copy_index(small_index_path, tmp_path)
    damage(path)
    with pytest.raises(CorpusIndexError) as err:
        CorpusIndex.load(path)
    assert isinstance(err.value, TropescanError)
    assert err.value.path == str(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in err.value.message
    assert err.value.code == catalogue_code(err.value.message)


NOT_AN_INDEX = [
    pytest.param(lambda tmp: tmp / "nowhere.idx", id="missing-folder"),
    pytest.param(lambda tmp: tmp, id="empty-folder"),
    pytest.param(lambda tmp: write_extra_lexicon(tmp), id="a-file"),
]


@pytest.mark.parametrize("where", NOT_AN_INDEX)
def test_corpus_load_refuses_non_index(where: Callable[[Path], Path], tmp_path: Path) -> None:
    path = where(tmp_path)
    with pytest.raises(CorpusIndexError) as err:
        CorpusIndex.load(path)
    assert err.value.path == str(path)


def test_corpus_load_refuses_stale_lexicon(small_index_path: Path, tmp_path: Path) -> None:
    current = load_lexicon()
    other = load_lexicon([write_extra_lexicon(tmp_path)])
    assert other.version != current.version
    CorpusIndex.load(small_index_path, lexicon_version=current.version)  # the lexicon it was built with
    with pytest.raises(CorpusIndexError, match="stale index") as err:
        CorpusIndex.load(small_index_path, lexicon_version=other.version)
    assert err.value.path == str(small_index_path)
    assert current.version in err.value.message and other.version in err.value.message
    stale = CorpusIndex.load(small_index_path, lexicon_version=other.version, allow_stale=True)
    assert len(stale) == len(SMALL_IDS)


def test_corpus_check_compatible(small_index_path: Path, corpus_analyzer: Any,
                                 tmp_path: Path) -> None:
    from tropescan.api import Analyzer, Settings

    index = CorpusIndex.load(small_index_path)
    index.check_compatible(corpus_analyzer.index_origin())
    other = Analyzer(Settings(lexicons=(str(write_extra_lexicon(tmp_path)),)), corpus=None)
    with pytest.raises(CorpusIndexError, match="lexicon"):
        index.check_compatible(other.index_origin())
    index.check_compatible(other.index_origin(), allow_stale=True)


# -- command line ----------------------------------------------------------------------------

def test_corpus_cli_index_info(small_index_path: Path) -> None:
    result = CliRunner().invoke(main, ["index", "info", str(small_index_path)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    info = json.loads(result.stdout)
    assert info["n_works"] == 5 and info["format"] == FORMAT


@pytest.mark.parametrize(("damage", "message"), [
    pytest.param(lambda p: (p / "index.json").write_text("{", encoding="utf-8"),
                 "corrupt index.json", id="bad-json"),
    pytest.param(_truncate("X.npz", 100), "corrupt index", id="truncated-npz"),
    pytest.param(_shorten("idf.npy"), "table sizes do not agree", id="sizes"),
])
def test_corpus_cli_index_info_broken(damage: Callable[[Path], None], message: str,
                                      small_index_path: Path, tmp_path: Path) -> None:
    path = copy_index(small_index_path, tmp_path, "broken.idx")
    damage(path)
    result = CliRunner().invoke(main, ["index", "info", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {path}: ")
    text = lines[0].removeprefix(f"Error: {path}: ").rsplit(" [", 1)[0]
    assert message in lines[0] and lines[0].endswith(f"[{catalogue_code(text)}]")
    assert "Traceback" not in result.stderr
