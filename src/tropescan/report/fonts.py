"""Which font draws Chinese: the one that comes with the install, else a system CJK font.

Input: nothing but the installed packages. Output: the path of the bundled font file (for
``plots.cjk_font``, which registers it with matplotlib), the names and file names of common
system CJK fonts (the fallback), and the CSS font stack the HTML pages declare.

The plots use Noto Sans SC (SIL Open Font License 1.1), shipped by the ``pylopdf-fonts-zh-cn``
dependency: Noto's own Simplified Chinese subset OTF, unmodified, one static Regular face. It
is found through ``importlib.resources`` and registered with matplotlib by file
(``FontManager.addfont``), never looked up by name in matplotlib's font cache: a cache written
before a font was installed does not list it, which is the usual reason Chinese labels come
out as empty boxes on a fresh machine. This module does not import matplotlib (``plots`` is
the only module that does).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

#: The package and file of the bundled font (a dependency in pyproject.toml).
BUNDLED_PACKAGE = "pylopdf_fonts_zh_cn"
BUNDLED_FILE = "NotoSansSC-Regular.otf"

#: Installed fonts with Chinese glyphs, by family name, most preferred first: Simplified
#: Chinese forms before Japanese ones, then the usual Linux, Windows and macOS fonts.
SYSTEM_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "SimHei",
                "PingFang SC", "Hiragino Sans GB", "Heiti SC", "Noto Sans CJK JP",
                "AR PL UMing CN", "Droid Sans Fallback")

#: Family-name fragments that mark some other font with Chinese glyphs.
CJK_NAME_HINTS = ("CJK", "Hei", "Song", "Ming", "Kai", "Han", "YaHei", "PingFang")

#: File names of common CJK fonts, for fonts matplotlib's cache has not seen yet.
CJK_FILE_PATTERN = re.compile(
    r"cjk|sourcehan|noto(sans|serif)(sc|tc|hk)|wqy|wenquanyi|simhei|simsun|msyh|yahei|"
    r"pingfang|hiragino|droidsansfallback|uming|ukai|stheiti", re.IGNORECASE)

#: The font stack of the HTML pages (``templates/base.html.j2``): macOS, Windows, then Linux.
CSS_FONT_STACK = ('"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", '
                  '"Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif')


@cache
def bundled_font_file() -> Path | None:
    """The bundled Noto Sans SC file, or None when its package is missing or not on disk.

    A package imported from a zip archive has no file path matplotlib could read: that counts
    as missing, and the plots fall back to a system font.
    """
    try:
        root = resources.files(BUNDLED_PACKAGE)
    except ModuleNotFoundError:
        return None
    path = Path(str(root.joinpath(BUNDLED_FILE)))
    return path if path.is_file() else None


def looks_cjk(file_name: str) -> bool:
    """Whether a font file's name is that of a common CJK font."""
    stem = Path(file_name).stem.replace("-", "").replace("_", "")
    return CJK_FILE_PATTERN.search(stem) is not None
