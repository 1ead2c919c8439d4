"""Lexicons as data: schema validation, user lexicons, the CLI's ``lexicon`` commands.

Issue "Tag tropes with evidence". The three-trope test lexicon lives in tests/data/lexicons
(user files in tests/data/lexicons/user); the built-in files are checked for validity only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result
from texts import catalogue_code

from tropescan._resources import lexicon_dir
from tropescan.cli import main
from tropescan.errors import LexiconError
from tropescan.lexicon import MIN_CUES, CueMatcher, check_file, load_lexicon
from tropescan.segment import Segmenter

LEXICONS = Path(__file__).parent / "data" / "lexicons"
USER = LEXICONS / "user"
BUILTIN_FILES = [*sorted((lexicon_dir() / "tropes").glob("*.toml")),
                 lexicon_dir() / "twists.toml", lexicon_dir() / "stock_lines.toml"]
BUILTIN_TROPES = sorted(p.stem for p in (lexicon_dir() / "tropes").glob("*.toml"))

#: A valid user trope file; the bad-file table edits it.
GOOD_TROPE = '''id = "lianqi"
name_zh = "修仙"
name_en = "Cultivation"
description = "凡人修炼成仙。"

[cues]
"修仙" = 3.0
"筑基" = 2.0
'''


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["lexicon", *map(str, args)])


# -- the built-in lexicons ----------------------------------------------------------------------

@pytest.mark.parametrize("path", BUILTIN_FILES, ids=[p.name for p in BUILTIN_FILES])
def test_lexicon_builtin_file_is_valid(path: Path) -> None:
    assert check_file(path, builtin=True) == []


@pytest.mark.parametrize("trope_id", BUILTIN_TROPES)
def test_lexicon_builtin_trope_is_complete(builtin_lexicon: Any, trope_id: str) -> None:
    trope = builtin_lexicon.tropes[trope_id]
    assert trope.id == trope_id
    assert trope.name_zh and trope.name_en and len(trope.description) >= 20
    assert len(trope.cues) >= MIN_CUES == 25
    assert all(0 < w <= 5 for w in trope.cues.values())
    # every cue is reachable: a protected phrase never equals a cue of its own trope
    assert not set(trope.negative_phrases) & set(trope.cues)


def test_lexicon_builtin_has_twists_and_stock_lines(builtin_lexicon: Any) -> None:
    assert set(builtin_lexicon.twists) == {"reveal", "reversal", "face_slap", "betrayal",
                                           "crisis", "hook"}
    assert builtin_lexicon.stock_lines["三年之期已到"] == "zhuixu"
    assert set(builtin_lexicon.stock_lines.values()) <= {"", *builtin_lexicon.tropes}


# -- the test lexicon ---------------------------------------------------------------------------

def test_lexicon_directory_loads_test_lexicon(mini_lexicon: Any) -> None:
    assert sorted(mini_lexicon.tropes) == ["chongsheng", "shenyi", "zhuixu"]
    zhuixu = mini_lexicon.tropes["zhuixu"]
    assert (zhuixu.name_zh, zhuixu.name_en) == ("赘婿", "Live-in son-in-law")
    assert zhuixu.cues["上门女婿"] == 3.0 and zhuixu.cues["女婿"] == 0.5
    assert zhuixu.negative_contexts == ("拜年", "过年")
    assert zhuixu.negative_phrases == ("累赘", "赘述")
    assert zhuixu.source == str(LEXICONS / "tropes" / "zhuixu.toml")
    assert sorted(mini_lexicon.twists) == ["crisis", "reveal"]
    assert mini_lexicon.twists["reveal"].cues == {"原来你是": 3.0, "真实身份": 3.0, "竟然是": 2.0}
    assert mini_lexicon.stock_lines == {"三年之期已到": "zhuixu", "神医下山": "shenyi"}
    # the test lexicon is small on purpose: only the built-in check asks for MIN_CUES cues
    assert check_file(LEXICONS / "tropes" / "zhuixu.toml") == []
    assert check_file(LEXICONS / "tropes" / "zhuixu.toml", builtin=True) == [
        f"{LEXICONS / 'tropes' / 'zhuixu.toml'}: cues: 8 cues, a built-in trope needs at least 25"]


def test_lexicon_user_words_are_cues_and_phrases(mini_lexicon: Any) -> None:
    words = mini_lexicon.user_words()
    assert words == sorted(words)
    assert {"上门女婿", "注重生活", "中医院", "原来你是", "车祸"} <= set(words)
    assert all(len(w) > 1 for w in words)


def test_lexicon_version_is_a_content_fingerprint(mini_lexicon: Any, builtin_lexicon: Any,
                                                  tmp_path: Path) -> None:
    assert load_lexicon(directory=LEXICONS).version == mini_lexicon.version
    assert mini_lexicon.version != builtin_lexicon.version
    copy = tmp_path / "lex"
    (copy / "tropes").mkdir(parents=True)
    for path in LEXICONS.glob("**/*.toml"):
        if path.parent.name != "user":
            (copy / path.relative_to(LEXICONS)).write_bytes(path.read_bytes())
    assert load_lexicon(directory=copy).version == mini_lexicon.version  # the place is no part
    shenyi = copy / "tropes" / "shenyi.toml"
    shenyi.write_text(shenyi.read_text(encoding="utf-8").replace('"医院" = 0.3', '"医院" = 0.4'),
                      encoding="utf-8")
    changed = load_lexicon(directory=copy)
    assert changed.tropes["shenyi"].cues["医院"] == 0.4
    assert changed.version != mini_lexicon.version


def test_lexicon_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(GOOD_TROPE.encode("utf-8-sig"))
    assert check_file(path) == []
    assert load_lexicon([path]).tropes["lianqi"].cues == {"修仙": 3.0, "筑基": 2.0}


def test_lexicon_cue_matcher_finds_every_occurrence() -> None:
    matcher = CueMatcher([("重生", "chongsheng", 3.0), ("上门女婿", "zhuixu", 3.0),
                          ("女婿", "zhuixu", 0.5), ("女婿", "other", 1.0)])
    hits = [(h.start, h.end, h.cue, h.group, h.weight) for h in matcher.find("上门女婿重生")]
    assert hits == [(0, 4, "上门女婿", "zhuixu", 3.0), (2, 4, "女婿", "zhuixu", 0.5),
                    (2, 4, "女婿", "other", 1.0), (4, 6, "重生", "chongsheng", 3.0)]
    assert CueMatcher([]).find("上门女婿") == []


def test_lexicon_pattern_hits_stay_in_a_line_and_start_on_a_token() -> None:
    """A situation pattern's hit is the words it matched; it never spans two lines, and
    with token boundaries it must start on one."""
    matcher = CueMatcher([("宠", "tianchong", 1.0)],
                         [("每天[^，。\n]{0,6}给她", "tianchong", 1.5), ("嘲笑.*结果", "nixi", 2.0)])
    text = "他每天准时给她带早饭。\n全班嘲笑她\n结果她考了第一"
    hits = [(h.start, h.end, h.cue, h.group, h.weight) for h in matcher.find(text)]
    assert hits == [(1, 7, "每天准时给她", "tianchong", 1.5)]
    boundaries = [True] * (len(text) + 1)
    boundaries[1] = False  # 他每 as one token: no hit starts inside it
    assert matcher.find(text, np.array(boundaries)) == []
    assert [h.cue for h in matcher.find("被嘲笑三年，结果一鸣惊人")] == ["嘲笑三年，结果"]


def test_lexicon_builtin_patterns_compile_and_fire(builtin_lexicon: Any) -> None:
    """The built-in situation patterns find what no fixed word names."""
    lex = builtin_lexicon
    found = {(h.group, h.cue) for h in lex.trope_matcher.find(
        "他每天下班都给她带一杯热豆浆。全校都看不起这个转学生，期末她却考了全县第一。")}
    assert ("tianchong", "每天下班都给她") in found
    assert any(g == "nixi_dalian" and c.startswith("看不起") for g, c in found)


# -- schema errors ------------------------------------------------------------------------------

BAD_TROPES = [
    pytest.param(GOOD_TROPE.replace('id = "lianqi"\n', ""),
                 ["id: must be ASCII snake_case like 'zhuixu', got None"], id="missing-id"),
    pytest.param(GOOD_TROPE.replace('"lianqi"', '"Xiu Xian"'),
                 ["id: must be ASCII snake_case like 'zhuixu', got 'Xiu Xian'"], id="bad-id"),
    pytest.param(GOOD_TROPE.replace('"lianqi"', '"修仙"'),
                 ["id: must be ASCII snake_case like 'zhuixu', got '修仙'"], id="non-ascii-id"),
    pytest.param(GOOD_TROPE.replace('"筑基" = 2.0', '"筑基" = 7'),
                 ["cues.筑基: weight 7 outside (0, 5.0]"], id="weight-too-big"),
    pytest.param(GOOD_TROPE.replace('"筑基" = 2.0', '"筑基" = 0'),
                 ["cues.筑基: weight 0 outside (0, 5.0]"], id="weight-zero"),
    pytest.param(GOOD_TROPE.replace('"筑基" = 2.0', '"筑基" = -1.5'),
                 ["cues.筑基: weight -1.5 outside (0, 5.0]"], id="weight-negative"),
    pytest.param(GOOD_TROPE.replace('"筑基" = 2.0', '"筑基" = "high"'),
                 ["cues.筑基: weight must be a number, got 'high'"], id="weight-string"),
    pytest.param(GOOD_TROPE.replace('"筑基" = 2.0', '"筑基" = true'),
                 ["cues.筑基: weight must be a number, got True"], id="weight-bool"),
    pytest.param(GOOD_TROPE.replace('"筑基" = 2.0', '"" = 2.0'), ["cues: empty cue"],
                 id="empty-cue"),
    pytest.param(GOOD_TROPE.replace('"筑基" = 2.0', '"  " = 2.0'), ["cues: empty cue"],
                 id="blank-cue"),
    pytest.param(GOOD_TROPE.replace("[cues]", 'desc = "x"\n[cues]'),
                 ["desc: unknown key (allowed: cues, description, id, name_en, name_zh, "
                  "negative, patterns, version)"], id="unknown-key"),
    pytest.param(GOOD_TROPE + '[negative]\nwords = ["x"]\n',
                 ["negative.words: unknown key (allowed: contexts, phrases)"],
                 id="unknown-negative-key"),
    pytest.param(GOOD_TROPE + '[negative]\ncontexts = "拜年"\n',
                 ["negative.contexts: must be a list of non-empty strings"],
                 id="contexts-not-a-list"),
    pytest.param(GOOD_TROPE + '[negative]\nphrases = ["赘述", ""]\n',
                 ["negative.phrases: must be a list of non-empty strings"],
                 id="empty-phrase"),
    pytest.param(GOOD_TROPE.split("[cues]")[0], ["cues: required, a table of cue = weight"],
                 id="no-cues"),
    pytest.param(GOOD_TROPE.replace('name_zh = "修仙"\n', "").replace(
        'description = "凡人修炼成仙。"\n', ""),
                 ["name_zh, description: required for a new trope 'lianqi'"],
                 id="new-trope-without-names"),
    pytest.param(GOOD_TROPE.replace('description = "凡人修炼成仙。"\n', 'description = " "\n'),
                 ["description: required for a new trope 'lianqi'"],
                 id="new-trope-blank-description"),
    pytest.param(GOOD_TROPE + "[patterns]\n'(?:偷偷给(她' = 1.5\n",
                 ["patterns.(?:偷偷给(她: not a regular expression (missing ), unterminated "
                  "subpattern at position 6)"], id="pattern-not-a-regex"),
    pytest.param(GOOD_TROPE + "[patterns]\n'(?:偷偷)?' = 1.5\n",
                 ["patterns.(?:偷偷)?: matches empty text"], id="pattern-matches-nothing"),
    pytest.param(GOOD_TROPE + "[patterns]\n'偷偷.{0,4}给她' = 9\n",
                 ["patterns.偷偷.{0,4}给她: weight must be a number in (0, 5.0], got 9"],
                 id="pattern-weight"),
    pytest.param('patterns = ["偷偷"]\n' + GOOD_TROPE,
                 ["patterns: must be a table of regular expression = weight"],
                 id="patterns-not-a-table"),
    pytest.param('id = "Bad"\n[cues]\n"修仙" = 9\n"" = 1\n',
                 ["id: must be ASCII snake_case like 'zhuixu', got 'Bad'",
                  "cues.修仙: weight 9 outside (0, 5.0]", "cues: empty cue"],
                 id="every-problem-at-once"),
]


@pytest.mark.parametrize(("text", "problems"), BAD_TROPES)
def test_lexicon_check_file_names_file_key_and_problem(tmp_path: Path, text: str,
                                                       problems: list[str]) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    assert check_file(path) == [f"{path}: {p}" for p in problems]


BAD_BUILTIN = [
    pytest.param(GOOD_TROPE, ["cues: 2 cues, a built-in trope needs at least 25"],
                 id="too-few-cues"),
    pytest.param(GOOD_TROPE.replace('name_en = "Cultivation"\n', ""),
                 ["name_en: required, a non-empty string",
                  "cues: 2 cues, a built-in trope needs at least 25"], id="no-english-name"),
]


@pytest.mark.parametrize(("text", "problems"), BAD_BUILTIN)
def test_lexicon_check_file_builtin_rules(tmp_path: Path, text: str, problems: list[str]) -> None:
    path = tmp_path / "lianqi.toml"
    path.write_text(text, encoding="utf-8")
    assert check_file(path, builtin=True) == [f"{path}: {p}" for p in problems]


BAD_OTHER = [
    pytest.param("[categories.Reveal]\ncues = { \"原来\" = 1.0 }\n",
                 ["categories.Reveal: id must be ASCII snake_case"], id="twist-bad-id"),
    pytest.param("[categories.reveal]\ncues = { \"原来\" = 9 }\n",
                 ["categories.reveal.cues.原来: weight 9 outside (0, 5.0]"],
                 id="twist-weight"),
    pytest.param("categories = \"reveal\"\n",
                 ["categories: required, a table of twist categories"], id="twist-not-a-table"),
    pytest.param("[lines]\n\"三年之期已到\" = 3\n",
                 ["lines.三年之期已到: value must be a trope id string (or \"\")"],
                 id="stock-line-value"),
]


@pytest.mark.parametrize(("text", "problems"), BAD_OTHER)
def test_lexicon_check_file_twists_and_stock_lines(tmp_path: Path, text: str,
                                                   problems: list[str]) -> None:
    path = tmp_path / "extra.toml"
    path.write_text(text, encoding="utf-8")
    assert check_file(path) == [f"{path}: {p}" for p in problems]


@pytest.mark.parametrize(("data", "message"), [
    pytest.param(b'id = "lianqi"\n[cues\n"x" = 1\n', "TOML syntax: ", id="toml-syntax"),
    pytest.param(GOOD_TROPE.encode("gb18030"), "not UTF-8 text", id="not-utf8"),
])
def test_lexicon_check_file_unreadable(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_bytes(data)
    problems = check_file(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: {message}")
    text = problems[0].removeprefix(f"{path}: ").rsplit(" [", 1)[0]
    assert problems[0].endswith(f"[{catalogue_code(text)}]")
    if message.startswith("TOML"):
        assert "line 2" in problems[0]


def test_lexicon_check_file_extension_of_builtin_needs_no_names() -> None:
    assert check_file(USER / "zhuixu_more.toml") == []


def test_lexicon_load_reports_user_file_problems(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD_TROPE.replace("2.0", "9"), encoding="utf-8")
    with pytest.raises(LexiconError, match=r"bad\.toml: cues\.筑基: weight 9 outside") as info:
        load_lexicon([path])
    assert info.value.code == "TS200"
    with pytest.raises(LexiconError, match="no such lexicon file"):
        load_lexicon([tmp_path / "missing.toml"])


def test_lexicon_load_refuses_a_directory_without_tropes(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match="no trope lexicons"):
        load_lexicon(directory=tmp_path)


def test_lexicon_load_refuses_id_differing_from_file_name(tmp_path: Path) -> None:
    (tmp_path / "tropes").mkdir()
    (tmp_path / "tropes" / "other.toml").write_text(GOOD_TROPE, encoding="utf-8")
    with pytest.raises(LexiconError, match="'lianqi' differs from the file name 'other'"):
        load_lexicon(directory=tmp_path)


# -- user lexicons ------------------------------------------------------------------------------

def test_lexicon_user_file_adds_a_trope(builtin_lexicon: Any) -> None:
    lex = load_lexicon([USER / "lianqi.toml"])
    assert set(lex.tropes) == {*builtin_lexicon.tropes, "lianqi"}
    trope = lex.tropes["lianqi"]
    assert (trope.name_zh, trope.name_en) == ("修仙", "Cultivation")
    assert trope.cues["九转凝魂针"] == 3.0
    assert lex.version != builtin_lexicon.version
    assert "九转凝魂针" in lex.user_words()
    assert lex.sources[-1] == str(USER / "lianqi.toml")


def test_lexicon_user_file_extends_a_trope(builtin_lexicon: Any) -> None:
    base = builtin_lexicon.tropes["zhuixu"]
    lex = load_lexicon([USER / "zhuixu_more.toml"])
    trope = lex.tropes["zhuixu"]
    assert set(trope.cues) == {*base.cues, "吃绝户"}
    assert trope.cues["吃绝户"] == 3.0
    assert trope.cues["丈母娘"] == 2.0 != base.cues["丈母娘"]  # re-weighted
    assert trope.negative_contexts == (*base.negative_contexts, "满月酒")
    assert (trope.name_zh, trope.description) == (base.name_zh, base.description)
    assert trope.source == f"{base.source}+{USER / 'zhuixu_more.toml'}"
    assert builtin_lexicon.tropes["zhuixu"] is base and "吃绝户" not in base.cues


def test_lexicon_user_files_extend_twists_and_stock_lines(builtin_lexicon: Any) -> None:
    lex = load_lexicon([USER / "twists_more.toml", USER / "stock.toml"])
    assert lex.twists["reveal"].cues["掉马甲"] == 3.0
    assert set(builtin_lexicon.twists["reveal"].cues) < set(lex.twists["reveal"].cues)
    assert lex.twists["reveal"].name_zh == "身份揭露"
    assert lex.twists["rescue"].cues == {"及时赶到": 2.5}
    assert lex.stock_lines["龙王殿恭迎殿主"] == "zhanshen"
    assert len(lex.stock_lines) == len(builtin_lexicon.stock_lines) + 1


TRADITIONAL_TROPE = """id = "lianqi"
name_zh = "修仙"
name_en = "Cultivation"
description = "修煉成仙的套路。"
[cues]
"九轉凝魂針" = 3.0
"築基" = 2.0
[negative]
contexts = ["遊戲"]
"""


@pytest.mark.parametrize("text", [
    pytest.param("第1集\n林凡：九转凝魂针，起！\n", id="simplified-script"),
    pytest.param("第1集\n林凡：九轉凝魂針，起！\n", id="traditional-script"),
])
def test_lexicon_user_file_in_traditional_matches(tmp_path: Path, text: str) -> None:
    """Cues written in Traditional characters are matched like Simplified ones: scripts are
    matched in Simplified, whichever way they were written."""
    import tropescan
    from tropescan.api import Analyzer, Settings

    path = tmp_path / "lianqi.toml"
    path.write_text(TRADITIONAL_TROPE, encoding="utf-8")
    lex = load_lexicon([path])
    assert set(lex.tropes["lianqi"].cues) == {"九转凝魂针", "筑基"}
    assert lex.tropes["lianqi"].negative_contexts == ("游戏",)
    assert "九转凝魂针" in lex.user_words()
    draft = tmp_path / "draft.txt"
    draft.write_text(text, encoding="utf-8")
    analyzer = Analyzer(Settings(lexicons=(str(path),), use_classifier=False,
                                 use_twist_model=False), corpus=None)
    evidence = [e for e in analyzer.analyze(tropescan.read(draft)).evidence_items
                if e.trope == "lianqi"]
    assert [e.cue for e in evidence] == ["九转凝魂针"]


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_lexicon_user_words_follow_into_the_segmenter(builtin_lexicon: Any, backend: str) -> None:
    lex = load_lexicon([USER / "lianqi.toml"])
    before = Segmenter.for_lexicon(builtin_lexicon, backend)  # type: ignore[arg-type]
    after = Segmenter.for_lexicon(lex, backend)  # type: ignore[arg-type]
    assert after is not before
    assert after.dictionary_checksum != before.dictionary_checksum
    text = "他用九转凝魂针救人"
    assert "九转凝魂针" not in before.cut(text)  # jieba alone splits it: 九转/还魂/针
    assert "九转凝魂针" in after.cut(text)


# -- the CLI ------------------------------------------------------------------------------------

def test_cli_lexicon_check_builtin_ok() -> None:
    result = run("check")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"ok: {len(BUILTIN_FILES)} file(s) valid\n"
    assert result.stderr == ""


def test_cli_lexicon_check_user_files_ok() -> None:
    result = run("check", *sorted(USER.glob("*.toml")))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "ok: 4 file(s) valid\n"


def test_cli_lexicon_check_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "Bad"\n[cues]\n"修仙" = 9\n', encoding="utf-8")
    result = run("check", USER / "lianqi.toml", bad)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"{bad}: id: must be ASCII snake_case like 'zhuixu', got 'Bad'\n"
                             f"{bad}: cues.修仙: weight 9 outside (0, 5.0]\n")


def test_cli_lexicon_list(builtin_lexicon: Any) -> None:
    result = run("list")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(builtin_lexicon.tropes) + 1
    assert [line.split()[0] for line in lines[:-1]] == list(builtin_lexicon.tropes)
    n = len(builtin_lexicon.tropes["zhuixu"].cues)
    assert f"zhuixu       赘婿\tLive-in son-in-law\t{n} cues" in lines
    assert lines[-1] == ("twist categories: reveal, reversal, face_slap, betrayal, crisis, hook; "
                         f"stock lines: {len(builtin_lexicon.stock_lines)}; "
                         f"lexicon version {builtin_lexicon.version}")


def test_cli_lexicon_list_with_user_lexicon() -> None:
    result = run("list", "--lexicon", USER / "lianqi.toml")
    assert result.exit_code == 0, result.stderr
    assert "lianqi       修仙\tCultivation\t6 cues" in result.stdout.splitlines()


def test_cli_lexicon_show_zhuixu(builtin_lexicon: Any) -> None:
    result = run("show", "zhuixu")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "zhuixu 赘婿 (Live-in son-in-law)"
    trope = builtin_lexicon.tropes["zhuixu"]
    cue_lines = [line for line in lines if line.startswith("  ")]
    assert len(cue_lines) == len(trope.cues)
    weights = [float(line.split()[0]) for line in cue_lines]
    assert weights == sorted(weights, reverse=True)
    assert "  3.0  上门女婿" in cue_lines and "  1.0  丈母娘" in cue_lines
    assert "negative contexts: 拜年、过年、年货、回门、春节、饺子、回娘家、走亲戚、年夜饭、压岁钱、毛脚女婿" in lines
    assert "protected phrases: 赘述、累赘、女婿节、上门服务、送货上门、上门维修、上门取件、上门拜访、上门推销、上门做客、上门安装、废物利用、废物回收、固体废物" in lines


def test_cli_lexicon_show_unknown_trope() -> None:
    result = run("show", "nosuch")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown trope 'nosuch'; choose one of bazong, chongsheng" in result.stderr


def test_cli_lexicon_show_bad_user_lexicon(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "lianqi"\n[cues]\n"修仙" = 3\n', encoding="utf-8")
    result = run("show", "zhuixu", "--lexicon", bad)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{bad}: name_zh, description: required for a new trope 'lianqi'" in result.stderr


# -- parsed TOML kept in the cache folder ---------------------------------------------------

def test_lexicon_parsed_toml_is_kept_and_reused(tmp_path: Path, monkeypatch: Any) -> None:
    import tomllib

    from tropescan.util import parse_toml

    monkeypatch.setenv("TROPESCAN_CACHE", str(tmp_path / "cache"))
    raw = "\ufeffid = \"x\"\n[cues]\n\"修仙\" = 3.0\n\"灵根\" = 2\n".encode()
    first = parse_toml(raw)
    assert first == {"id": "x", "cues": {"修仙": 3.0, "灵根": 2}}
    assert isinstance(first["cues"]["灵根"], int)
    assert len(list((tmp_path / "cache" / "toml").glob("*.json"))) == 1
    # the second parse is the kept one: tomllib is not asked again
    monkeypatch.setattr(tomllib, "loads", lambda *_: pytest.fail("parsed twice"))
    assert parse_toml(raw) == first


def test_lexicon_damaged_or_unwritable_toml_cache_is_parsed_again(tmp_path: Path,
                                                                  monkeypatch: Any) -> None:
    from tropescan.util import parse_toml

    monkeypatch.setenv("TROPESCAN_CACHE", str(tmp_path / "cache"))
    raw = b"[cues]\n\"x\" = 1.5\n"
    parse_toml(raw)
    (kept,) = (tmp_path / "cache" / "toml").glob("*.json")
    for damage in (b"{not json", b'{"sha256": "other", "data": {"cues": {}}}', b"[]"):
        kept.write_bytes(damage)
        assert parse_toml(raw) == {"cues": {"x": 1.5}}
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("TROPESCAN_CACHE", str(blocker))
    assert parse_toml(raw) == {"cues": {"x": 1.5}}
    with pytest.raises(ValueError):  # a syntax error is never kept nor hidden
        parse_toml(b"[cues\n")
