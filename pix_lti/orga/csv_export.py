"""CSV for French spreadsheets: UTF-8 with a BOM (so Excel reads accents), ``;`` separator, and formula injection
neutralised — a cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab / carriage return, which some spreadsheets
strip before evaluating) gets a leading apostrophe so it stays text. Rows are encoded one at a time (bounded memory)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """A cell's text: numbers stay numbers (a negative number is not a formula), text that a spreadsheet would run
    as a formula is prefixed with ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, int | float):
        return str(value)
    text = value.strftime("%d/%m/%Y %H:%M") if isinstance(value, datetime) else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def encode_rows(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The BOM and header, then one encoded chunk per row (each row's buffer is reused)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")

    def chunk(cells: Sequence[Any]) -> bytes:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(c) for c in cells])
        return buffer.getvalue().encode("utf-8")

    yield BOM.encode("utf-8") + chunk(header)
    for row in rows:
        yield chunk(row)


def percent_cell(rate: float | None) -> str:
    """A rate 0..1 as a French percentage text (``42 %``); empty when unknown."""
    if rate is None:
        return ""
    return f"{int(rate * 100 + 1e-9)} %"
