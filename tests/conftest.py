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
        "garbage.docx", "not_a_docx.docx", "legacy.doc", "legacy.docx", "bad_timestamp.srt",
        "ends_first.srt",
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
    # an old Word file renamed .docx: not a zip at all
    paths["legacy.docx"].write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
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


# --- originality and homogeneity (issue "Originality against a corpus, and the homogeneity of a
# collection") ----------------------------------------------------------------------------------
# Expensive pieces are built once: the features of every sample work (so sub-corpora are made
# with CorpusIndex.from_features instead of re-reading 78 scripts), one Analysis per sample work
# against the sample index, and a small saved index that corruption tests copy before damaging.

ORIGINALITY_LOG: pytest.StashKey[list[str]] = pytest.StashKey()

#: Sample works copied into the small corpus: two near-copy pairs and a culture script.
SMALL_CORPUS = ("s002.txt", "s071.txt", "s012.txt", "s072.txt", "s057.txt")


@pytest.fixture(scope="session")
def originality_log(request: pytest.FixtureRequest) -> list[str]:
    """Lines printed in the terminal summary (near-copy and source scores)."""
    return request.config.stash.setdefault(ORIGINALITY_LOG, [])


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    lines = config.stash.get(ORIGINALITY_LOG, [])
    if lines:
        terminalreporter.section("originality of the sample near-copies and their sources")
        for line in sorted(lines):
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def corpus_analyzer(analyzer: Any) -> Any:
    """The analyzer the sample index is built with: same settings and models, no corpus."""
    from tropescan.api import Analyzer

    return Analyzer(analyzer.settings, corpus=None, lexicon=analyzer.lexicon,
                    classifier=analyzer.classifier)


@pytest.fixture(scope="session")
def sample_features(corpus_analyzer: Any) -> dict[str, Any]:
    """Index features of every sample work, by manifest id."""
    from tropescan._resources import corpus_dir
    from tropescan.batch import feature_results
    from tropescan.sources import resolve_sources

    results = feature_results(resolve_sources(corpus_dir() / "manifest.csv"), corpus_analyzer)
    assert all(r.features is not None for r in results), results
    return {r.features.id: r.features for r in results}


@pytest.fixture(scope="session")
def sample_analyses(analyzer: Any, sample_works: list[Any]) -> dict[str, Any]:
    """One Analysis per sample work, scored against the sample index, by manifest id."""
    return {w.id: analyzer.analyze(w.path) for w in sample_works}


@pytest.fixture(scope="session")
def sample_homogeneity(sample_index: Any, analyzer: Any) -> Any:
    from tropescan.collection import homogeneity

    return homogeneity(sample_index)


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``scripts/`` with five sample scripts, and a ``manifest.csv`` next to it."""
    from tropescan._resources import corpus_dir

    root = tmp_path_factory.mktemp("small_corpus")
    (root / "scripts").mkdir()
    rows = ["id,title,file,format,tropes,derived_from,note"]
    for name in SMALL_CORPUS:
        (root / "scripts" / name).write_bytes((corpus_dir() / "scripts" / name).read_bytes())
        stem = name.split(".")[0]
        derived = {"s071": "s002", "s072": "s012"}.get(stem, "")
        rows.append(f"{stem},标题{stem},scripts/{name},text,,{derived},")
    (root / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def small_index_path(small_corpus: Path, corpus_analyzer: Any,
                     tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved index of the small corpus; copy it before changing it."""
    from tropescan.batch import build_index

    index = build_index(small_corpus / "manifest.csv", analyzer=corpus_analyzer)
    return index.save(tmp_path_factory.mktemp("small_index") / "small.idx")


# --- notebooks (issue "The three users' workflows", analyst part) --------------------------------
# Executing a notebook starts a kernel and analyses sample scripts, so each notebook runs once per
# session. The kernel inherits os.environ, hence TROPESCAN_CACHE from _isolated_cache; its working
# folder is a fresh temp dir, so the notebooks must not rely on being run from the repository.
# A probe cell appended in memory (never saved) reports the notebook's own variables as JSON.

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
PROBE_MARK = "NOTEBOOK-PROBE "


@pytest.fixture(scope="session")
def run_notebook(_isolated_cache: Path, tmp_path_factory: pytest.TempPathFactory,
                 ) -> Callable[[str, str], tuple[Any, dict[str, Any]]]:
    """``run_notebook("01-quickstart", "{'n': len(table)}")`` -> (executed notebook, the probe
    expression's value); memoized, so tests of one notebook share one run."""
    import json

    import nbformat
    from nbclient import NotebookClient

    done: dict[tuple[str, str], tuple[Any, dict[str, Any]]] = {}

    def run(name: str, probe: str) -> tuple[Any, dict[str, Any]]:
        if (name, probe) not in done:
            nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
            nb.cells.append(nbformat.v4.new_code_cell(
                f"import json as _json\nprint({PROBE_MARK!r} + _json.dumps({probe}))"))
            cwd = tmp_path_factory.mktemp(f"nb-{name}")
            # "python3" is ipykernel's own kernelspec: jupyter_client starts it with the
            # interpreter running the tests, so no `ipykernel install` is needed.
            NotebookClient(nb, kernel_name="python3", timeout=600,
                           resources={"metadata": {"path": str(cwd)}}).execute()
            probe_out = nb.cells.pop()
            reports = [line[len(PROBE_MARK):] for out in probe_out.outputs
                       if out.get("name") == "stdout"
                       for line in out["text"].splitlines() if line.startswith(PROBE_MARK)]
            assert len(reports) == 1, f"the probe printed no report: {probe_out.outputs}"
            done[(name, probe)] = (nb, json.loads(reports[0]))
        return done[(name, probe)]

    return run


# --- users' workflows: scan, batch, API, reports (issue "The three users' workflows") ----------
# A judge's folder is built once per session from sample scripts (a near-copy pair, an SRT, a
# .docx), the broken files real submission folders hold, and a hostile script carrying HTML/JS.
# ``judged`` runs judge_folder on it once, with HTML reports; tests only read those outputs and
# write their own runs under tmp_path. The over-size file is sparse (no disk space) and real, not
# a monkeypatched limit, so subprocess runs of the CLI meet it too.

CORPUS_SCRIPTS = Path(__file__).parents[1] / "corpora_sample" / "scripts"


@pytest.fixture(scope="session")
def analysis_of(analyzer: Any) -> Callable[[str | Path], Any]:
    """Memoized ``analyzer.analyze``: ``analysis_of("s002.txt")`` (a sample script) or a path."""
    done: dict[str, Any] = {}

    def get(name: str | Path) -> Any:
        path = Path(name) if Path(name).is_absolute() else CORPUS_SCRIPTS / name
        if str(path) not in done:
            done[str(path)] = analyzer.analyze(path)
        return done[str(path)]

    return get


@pytest.fixture(scope="session")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A contest folder: ``folder``, ``ok`` (file names), ``bad`` (file name -> words of the
    reason), ``hostile`` (file name), ``pair`` (the near-copy pair, s071 copies s002)."""
    from texts import HOSTILE_SCRIPT

    from tropescan.readers import decode

    folder = tmp_path_factory.mktemp("contest") / "entries"
    folder.mkdir()
    ok = ["s002.txt", "s071.txt", "s006.txt", "s053.srt", "s057.txt", "s047.docx"]
    for name in ok:
        (folder / name).write_bytes((CORPUS_SCRIPTS / name).read_bytes())
    (folder / "hostile.txt").write_text(HOSTILE_SCRIPT, encoding="utf-8")
    bad = {"empty.txt": "the file is empty", "binary.txt": "binary",
           "gbk_bad.txt": "cannot decode", "corrupt.docx": "a damaged .docx",
           "huge.txt": "limit"}
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 300)
    # 0xFF and 0x80 can start no GBK/GB18030 character: no encoding reads this
    (folder / "gbk_bad.txt").write_bytes("第1集\n林凡：".encode("gbk") + b"\xff\x80\xfe" * 5)
    (folder / "corrupt.docx").write_bytes(b"PK\x03\x04 this is not really a zip archive" * 3)
    with (folder / "huge.txt").open("wb") as fh:
        fh.truncate(decode.MAX_BYTES + 1)
    return {"folder": folder, "ok": [*ok, "hostile.txt"], "bad": bad, "hostile": "hostile.txt",
            "pair": ("s002.txt", "s071.txt")}


@pytest.fixture(scope="session")
def judged(submissions: dict[str, Any], tmp_path_factory: pytest.TempPathFactory,
           ) -> dict[str, Any]:
    """One judge_folder run over ``submissions`` (sample corpus, HTML reports)."""
    from tropescan.judging import judge_folder

    out = tmp_path_factory.mktemp("judged")
    summary = judge_folder(submissions["folder"], out / "results.csv",
                           reports_dir=out / "reports")
    return {"summary": summary, "output": out / "results.csv",
            "pairs": out / "results.pairs.csv", "reports": out / "reports"}


@pytest.fixture(scope="session")
def training_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A nine-script labelled corpus (every trope, a near-copy family, a no-trope script) with
    its gold twist labels and every annotator's (``labels/twists.csv``,
    ``labels/twist_annotations.csv``): small enough to train and evaluate in seconds."""
    import csv

    keep = {"s001", "s002", "s003", "s004", "s005", "s006", "s007", "s057", "s071"}
    root = tmp_path_factory.mktemp("training")
    source = CORPUS_SCRIPTS.parent
    with (source / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["id"] in keep]
    (root / "scripts").mkdir()
    for r in rows:
        (root / r["file"]).write_bytes((source / r["file"]).read_bytes())
    with (root / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (root / "labels").mkdir()
    for name in ("twists.csv", "twist_annotations.csv"):
        with (source / "labels" / name).open(encoding="utf-8", newline="") as fh:
            labels = [r for r in csv.DictReader(fh) if r["script_id"] in keep]
        with (root / "labels" / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(labels[0]))
            writer.writeheader()
            writer.writerows(labels)
    return root / "manifest.csv"


@pytest.fixture(scope="session")
def html_problems() -> Callable[[str], list[str]]:
    """``html_problems(page)`` lists what keeps a report page from being self-contained and
    script-free: script tags, event handlers, resources from anywhere but data: URIs, a missing
    Content-Security-Policy. An empty list is a good page. The page is parsed, so escaped text
    such as ``&lt;img src=x&gt;`` is data, not a tag."""
    import re
    from html.parser import HTMLParser

    class Checker(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.found: list[str] = []
            self.csp = False
            self.in_style = False

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "link", "iframe", "object", "embed", "base", "frame"):
                self.found.append(f"<{tag}>")
            self.in_style = tag == "style"
            values = {k: v or "" for k, v in attrs}
            if tag == "meta" and values.get("http-equiv", "").lower() == \
                    "content-security-policy":
                self.csp = ("default-src 'none'" in values.get("content", "")
                            and "script-src" not in values.get("content", ""))
            for name, value in values.items():
                if name.startswith("on"):
                    self.found.append(f"<{tag} {name}=>")
                elif name == "src" and not value.startswith("data:image/"):
                    self.found.append(f"<{tag} src={value[:40]!r}>")
                elif name in ("href", "action", "srcset", "poster", "data", "formaction") and \
                        re.match(r"\s*([a-z][a-z0-9+.-]*:|//)", value, re.I):
                    self.found.append(f"<{tag} {name}={value[:40]!r}>")
                elif name == "style" and re.search(r"url\(|@import", value, re.I):
                    self.found.append(f"<{tag} style=url()>")

        def handle_endtag(self, tag: str) -> None:
            self.in_style = False

        def handle_data(self, data: str) -> None:
            if self.in_style and re.search(r"@import|url\(\s*['\"]?(?!data:)", data, re.I):
                self.found.append("a stylesheet import or url()")

    def problems(html: str) -> list[str]:
        checker = Checker()
        checker.feed(html)
        checker.close()
        if not checker.csp:
            checker.found.append("no Content-Security-Policy meta tag forbidding scripts")
        return checker.found

    return problems


# --- trope tagging (issue "Tag tropes with evidence") --------------------------------------------
# tests/data/lexicons holds a three-trope lexicon in the real schema (tropes/*.toml, twists.toml,
# stock_lines.toml) and user files under user/, so lexicon and matching tests do not move when
# the shipped cue lists are tuned. Segmenters come from Segmenter.for_lexicon (cached per lexicon
# and backend for the process). The jieba-backend analyses pair with sample_analyses (rjieba).

TEST_LEXICONS = DATA / "lexicons"
BACKENDS = ("jieba", "rjieba")


@pytest.fixture(scope="session")
def mini_lexicon() -> Any:
    """The three-trope test lexicon (chongsheng, shenyi, zhuixu)."""
    from tropescan.lexicon import load_lexicon

    return load_lexicon(directory=TEST_LEXICONS)


@pytest.fixture(scope="session")
def builtin_lexicon() -> Any:
    from tropescan.lexicon import load_lexicon

    return load_lexicon()


@pytest.fixture(scope="session")
def mini_segmenters(mini_lexicon: Any) -> dict[str, Any]:
    """One segmenter per backend with the test lexicon's user words."""
    from tropescan.segment import Segmenter

    return {b: Segmenter.for_lexicon(mini_lexicon, b) for b in BACKENDS}  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def builtin_segmenters(builtin_lexicon: Any) -> dict[str, Any]:
    """One segmenter per backend with the built-in lexicon's user words."""
    from tropescan.segment import Segmenter

    return {b: Segmenter.for_lexicon(builtin_lexicon, b) for b in BACKENDS}  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def jieba_sample_analyses(analyzer: Any, sample_works: list[Any]) -> dict[str, Any]:
    """One Analysis per sample work made with the jieba backend (shipped models, no corpus)."""
    from dataclasses import replace

    from tropescan.api import Analyzer

    jieba = Analyzer(replace(analyzer.settings, backend="jieba"), corpus=None)
    return {w.id: jieba.analyze(w.path) for w in sample_works}


@pytest.fixture(scope="session")
def sample_corpus(analyzer: Any) -> Any:
    """The labelled sample corpus read and tokenized once (evaluation.load_corpus)."""
    from tropescan.evaluation import load_corpus

    return load_corpus(analyzer)


@pytest.fixture(scope="session")
def tiny_trope_corpus() -> tuple[list[list[str]], list[tuple[str, ...]], list[str], list[str]]:
    """A synthetic classifier corpus with an obvious signal: (docs, labels, classes, groups).

    Every document is 30 filler words plus the signal words of its one or two tropes; each
    comes from its own group except that pairs share one, like a script's episodes.
    """
    import random

    rng = random.Random(7)
    signals = {"fuchou": ["复仇", "报仇", "血债"], "mengbao": ["萌宝", "妈咪", "爹地"],
               "shenyi": ["银针", "神医", "施针"]}
    filler = ["今天", "明天", "我们", "你们", "他们", "这个", "那个", "吃饭", "睡觉", "上班",
              "下班", "天气", "公司", "电话", "朋友"]
    classes = sorted(signals)
    docs, labels, groups = [], [], []
    for i in range(60):
        tropes = tuple(sorted(rng.sample(classes, 1 + (i % 3 == 0))))
        words = [rng.choice(filler) for _ in range(30)]
        for t in tropes:
            words += rng.sample(signals[t], 2)
        rng.shuffle(words)
        docs.append(words)
        labels.append(tropes)
        groups.append(f"g{i // 2}")
    return docs, labels, classes, groups


@pytest.fixture(scope="session")
def tiny_classifier(tiny_trope_corpus: Any) -> Any:
    """A TropeClassifier fitted on the synthetic corpus (grouped vocabulary)."""
    from tropescan.classifier import TropeClassifier

    docs, labels, classes, groups = tiny_trope_corpus
    return TropeClassifier(min_df=2).fit(docs, labels, classes, groups)


# --- twist density (issue "Twist density per 15 seconds") ----------------------------------------
# The shipped twist model without the classifier or a corpus: twist tests need neither, and
# building the sample index would only slow them down. The lexicon rule alone is
# ``lexicon_only_analyzer`` above.

@pytest.fixture(scope="session")
def twist_analyzer() -> Any:
    """The shipped twist model (twists.v3); no classifier, no corpus."""
    from tropescan.api import Analyzer, Settings

    return Analyzer(Settings(use_classifier=False), corpus=None)


@pytest.fixture(scope="session")
def formula_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """texts.FORMULA_EPISODE + FORMULA_SECOND_EPISODE as a file: two episodes, 32 s and 14 s."""
    from texts import FORMULA_EPISODE, FORMULA_SECOND_EPISODE

    path = tmp_path_factory.mktemp("twists") / "formula.txt"
    path.write_text(FORMULA_EPISODE + FORMULA_SECOND_EPISODE, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def formula_analysis(twist_analyzer: Any, formula_script: Path) -> Any:
    """The shipped twist model's analysis of ``formula_script``."""
    return twist_analyzer.analyze(formula_script)
