from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import openpyxl  # type: ignore[import-untyped]


def csv_file(header: Sequence[str], rows: Sequence[Sequence[Any]], *, bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def xlsx_file(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
