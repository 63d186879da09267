"""Spreadsheet cells from user text are never formulas, and the import gets the text back."""

from __future__ import annotations

import csv
import io

import pytest

from weibao.core.exports import csv_bytes, safe_cell, unescape_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+86 130", "'+86 130"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),
        ("''=1", "'''=1"),
        ("'abc", "'abc"),
        ("PACS 无法调阅", "PACS 无法调阅"),
        ("", ""),
        (5, 5),
        (-5, -5),
        (None, None),
    ],
)
def test_safe_cell_and_back(value, written):
    assert safe_cell(value) == written
    assert unescape_cell(safe_cell(value)) == value


def test_csv_cells_are_safe_too():
    data = csv_bytes(["标题", "电话"], [["=1+1", "-130"], ["普通", 7]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode()[1:])))
    assert rows == [["标题", "电话"], ["'=1+1", "'-130"], ["普通", "7"]]
