"""Episode markers and scene headings in plain-text scripts: the patterns and their fields.

Input: one line of a script (Markdown marks stripped) and, for Traditional-script files, its
Simplified copy. Output: numbers (``cn_number``), scene labels and scene fields (time of day,
interior or exterior, location) as the writer spelled them. ``lines.classify`` decides which
rule a line meets; the Fountain reader reuses the field parsing for its headings.
"""

from __future__ import annotations

import re
import unicodedata

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_number(text: str) -> int | None:
    """Arabic or Chinese numerals to int.

    >>> [cn_number(t) for t in ("12", "十二", "二十", "一百零五", "三")]
    [12, 12, 20, 105, 3]
    """
    text = text.strip()
    if text.isdigit():
        return int(text)
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


_NUM = r"[0-9０-９一二三四五六七八九十百零〇两]+"
EPISODE_RE = re.compile(
    rf"^\s*(?:#+\s*)?[【\[〔]?\s*(?:第\s*(?P<n>{_NUM})\s*集(?!团)|(?:EP|Ep|ep|Episode|episode)\s*\.?\s*(?P<ep>\d+))"
    r"\s*[】\]〕]?\s*[：:：\-—·.、|｜\s]*(?P<title>.*)$"
)
# ——本集完—— / ——第1集完—— / 【全剧终】 / （未完待续） / -完-: an episode's last line, not action
END_LINE_RE = re.compile(
    r"^\s*[-—–=~～_*＊【\[（(]*\s*(?:本集完|本集结束|第\s*" + _NUM + r"\s*集\s*(?:完|终|结束)|"
    r"全剧终|剧终|全剧完|未完待续|待续|完)\s*[-—–=~～_*＊】\]）)。.!！]*\s*$")
_TIMES = "清晨|早晨|凌晨|黄昏|傍晚|深夜|午夜|中午|下午|上午|白天|夜晚|晚上|日|夜|晨|昏|晚|早|午"
_INOUT = "内外|内/外|外/内|内|外"
# 1-2 日 内 别墅客厅 / 2-3场 地下车库 夜 内 / 第 1 -1 场 正厅夜内 / ## 1-1 … / 1.2 …
SCENE_NUMBERED_RE = re.compile(
    r"^\s*(?:#+\s*)?(?:第\s*)?(?P<label>\d{1,3}\s*[-－—–_]\s*\d{1,3})\s*(?P<chang>场|場)?(?P<sep>[：:、.\s]+|$|(?=[^\d]))(?P<rest>.*)$"
)
# 1.1 内景 大厅 日 / 一、冷宫 夜: weaker forms, accepted only when the rest names a time or in/out.
SCENE_LOOSE_RE = re.compile(
    r"^\s*(?:#+\s*)?(?:(?P<label>\d{1,3}\.\d{1,3})\s+|(?P<cn>[一二三四五六七八九十]{1,3})、\s*)"
    r"(?P<rest>\S.*)$"
)
SCENE_WORD_RE = re.compile(
    r"^\s*(?:#+\s*)?(?:[【\[]\s*场景?\s*[】\]]|场景\s*(?P<n1>" + _NUM + r")?|[◎◇■]|"
    r"第\s*(?P<n2>" + _NUM + r")\s*[场幕]|"
    r"(?P<io>内景|外景|内外景))\s*[：:、.\s]*(?P<rest>.*)$"
)

# Block-style scene headings: 场次：1-1 / 时间：夜 / 地点：夜市, or 时：夜　景：急诊科　人：乔念
SCENE_FIELD_RE = re.compile(r"^\s*(?P<key>场次|时间|地点|时|景|场景地点)\s*[：:](?P<rest>.*)$")
_FIELD_PAIR_RE = re.compile(r"(?P<k>时间|地点|时|景|人物|人)\s*[：:]\s*(?P<v>[^　\s]+(?:\s+[^　\s：:]+)*?)(?=\s+\S{1,2}\s*[：:]|[　]|$)")


def scene_fields(line: str, key: str) -> dict[str, str]:
    """``时：夜　景：市三院急诊科　人：乔念、家属`` -> {"time_of_day": "夜", "location": …}.

    >>> scene_fields("时：夜　景：急诊科　人：乔念", "时：夜　景：急诊科　人：乔念")
    {'time_of_day': '夜', 'location': '急诊科', 'cast': '乔念'}
    """
    out: dict[str, str] = {}
    names = {"时间": "time_of_day", "时": "time_of_day", "地点": "location", "景": "location",
             "人物": "cast", "人": "cast"}
    for m in _FIELD_PAIR_RE.finditer(key):
        value = line[m.start("v"):m.end("v")].strip()
        out.setdefault(names[m.group("k")], value)
    return out


_FIELD_SEP = r"[\s/／|｜,，、·]+"
# 医院走廊（夜/内） holds fields in brackets; 大堂（接上场） or 病房（两小时后） a continuity note
_BRACKETED = re.compile(r"[（(](?P<inner>[^（）()]{1,12})[）)]")
_CONTINUITY = re.compile(r"接上场?|接上集|承上|同上|续前?|.{1,6}(?:后|前)|回忆|闪回")
_GLUED_TIME_INOUT = rf"(?P<t>{_TIMES})(?P<io>{_INOUT})|(?P<io2>{_INOUT})(?P<t2>{_TIMES})"
_LEAD_TIME_INOUT = re.compile(rf"(?P<t>{_TIMES})(?P<io>内外|内|外)(?=\S)")


def _open_brackets(rest: str, key: str) -> tuple[str, str]:
    """Brackets after a place: those holding fields (医院走廊（夜/内）) lose their brackets, those
    holding a continuity note (大堂（接上场）) are blanked; alike in ``rest`` and ``key``, so that
    positions in the two still agree."""
    for b in reversed(list(_BRACKETED.finditer(key))):
        inner = b.group("inner")
        fields = [t for t in re.split(_FIELD_SEP, inner) if t]
        if fields and all(re.fullmatch(rf"(?:{_TIMES})|(?:{_INOUT})(?:景)?|{_GLUED_TIME_INOUT}", t)
                          for t in fields):
            keep = " " + inner + " "  # （夜/内）: the fields, without their brackets
        elif _CONTINUITY.fullmatch(inner.strip()):
            keep = " " * (b.end() - b.start())  # （接上场）: not part of the place
        else:
            continue
        rest = rest[:b.start()] + keep + rest[b.end():]
        key = key[:b.start()] + keep + key[b.end():]
    return rest, key


def parse_heading_fields(rest: str, key: str | None = None) -> dict[str, str | None]:
    """Time of day, interior/exterior and place from what follows a scene number.

    ``key`` is ``rest`` folded to Simplified (``fold_simplified``, same length): the fields are
    recognised on it, while the location keeps the writer's spelling from ``rest``.

    >>> parse_heading_fields("夜/外/医院走廊")
    {'time_of_day': '夜', 'interior': '外', 'location': '医院走廊'}
    >>> parse_heading_fields("正厅夜内")["location"]
    '正厅'
    >>> parse_heading_fields("日内 别墅客厅")
    {'time_of_day': '日', 'interior': '内', 'location': '别墅客厅'}
    """
    key = rest if key is None else key
    # Folding changes only Han characters, so the same strips and splits stay aligned.
    rest, key = (x.strip().strip("#*").strip() for x in (rest, key))
    rest, key = _open_brackets(rest, key)
    tokens = [t for t in re.split(_FIELD_SEP, rest) if t]
    keys = [t for t in re.split(_FIELD_SEP, key) if t]
    time_of_day = interior = None
    place: list[str] = []
    place_keys: list[str] = []
    for tok, tk in zip(tokens, keys, strict=True):
        glued = re.fullmatch(_GLUED_TIME_INOUT, tk)
        if re.fullmatch(rf"(?:{_TIMES})", tk) and time_of_day is None:
            time_of_day = tk
        elif re.fullmatch(rf"(?:{_INOUT})(?:景)?", tk) and interior is None:
            interior = tk.removesuffix("景")
        elif glued and time_of_day is None and interior is None:
            # 日内 / 夜外 typed as one word.
            time_of_day = glued.group("t") or glued.group("t2")
            interior = glued.group("io") or glued.group("io2")
        elif (time_of_day is None and interior is None and not place
              and (lead := _LEAD_TIME_INOUT.match(tk))):
            # 日内顾氏集团大堂: time and in/out glued to the front of the place. Both are
            # needed: 早餐店 or 晚风小馆 alone must keep their names.
            time_of_day, interior = lead.group("t"), lead.group("io")
            place.append(tok[lead.end():])
            place_keys.append(tk[lead.end():])
        else:
            place.append(tok)
            place_keys.append(tk)
    location = " ".join(place) or None
    m = re.fullmatch(rf"(?P<loc>.+?)(?P<t>{_TIMES})?(?P<io>{_INOUT})?", " ".join(place_keys))
    if location and m and m.group("loc").strip():
        if m.group("t") and (m.group("io") or time_of_day is None):
            # Glued headings such as 正厅夜内 or 医院走廊日外: peel time and in/out off the end.
            location = location[: m.end("loc")].strip()
            time_of_day = time_of_day or m.group("t")
            interior = interior or m.group("io")
        elif m.group("io") and not m.group("t") and interior is None:
            # 车内, 库房外: the place says inside or outside, and keeps its whole name.
            interior = m.group("io")
    return {"time_of_day": time_of_day, "interior": interior, "location": location}


_HEADING_FLASHBACK = re.compile(r"[（(【\[]?\s*(?:闪回|回忆)(?:场景|戏)?\s*[）)】\]]?")


def heading_fields(line: str, m: re.Match[str]) -> tuple[dict[str, str | None], bool]:
    """The fields of a heading's ``rest`` group, and whether it marks a flashback scene: a
    闪回/回忆 tag in it (乡下小院（闪回）) does, and is no part of the place."""
    rest, key = group_text(line, m, "rest"), m.group("rest")
    tag = _HEADING_FLASHBACK.search(key)
    if tag:
        # blank it in both copies alike, so that positions in rest and key still agree
        gap = " " * (tag.end() - tag.start())
        rest = rest[:tag.start()] + gap + rest[tag.end():]
        key = key[:tag.start()] + gap + key[tag.end():]
    return parse_heading_fields(rest, key), bool(tag)


def scene_label(text: str) -> str:
    """A writer's scene number in one spelling: ``第 1 －1 场`` and ``１-１`` give ``1-1``."""
    text = unicodedata.normalize("NFKC", re.sub(r"\s+", "", text))
    return re.sub(r"[－—–_]", "-", text)


def group_text(line: str, m: re.Match[str], group: str) -> str:
    """The text of ``group`` taken from ``line`` (the original) at the match position.

    The rules match on a Simplified copy of the line when the file is Traditional; slicing the
    original at the same positions keeps the writer's spelling (the fold keeps lengths).
    """
    start, end = m.span(group)
    return line[start:end] if start >= 0 else ""
