"""CSV output of result rows (the batch table's columns)."""

from __future__ import annotations

import csv
import io
from typing import Any

from ..schema import ROW_COLUMNS


def rows_to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns or ROW_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
