"""Shipment ledgers: an inventory CSV (chip,count[,destination,date,buyer_hq]) read row by row, errors naming the
line."""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tpp.errors import InputError

__all__ = ["InventoryRow", "iter_inventory", "parse_inventory", "read_inventory", "open_inventory", "COLUMNS"]

COLUMNS = ("chip", "count", "destination", "date", "buyer_hq")


@dataclass(frozen=True, slots=True)
class InventoryRow:
    line: int
    chip: str
    count: int
    destination: str | None = None
    date: _dt.date | None = None
    buyer_hq: str | None = None  # where the buyer (or its ultimate parent) is headquartered, when not the destination


def _dialect(first: str, source: str) -> str:
    """',' (the default) or ';' (Excel where the decimal separator is a comma), from the first data-bearing line."""
    if first.count(";") and not first.count(","):
        return ";"
    if first.count(";") and first.count(","):
        raise InputError(f"{source}: line 1 mixes ',' and ';' separators: save the file as CSV with one of them")
    return ","


def _header(cells: list[str], n: int, source: str) -> list[str]:
    names = [c.lower() for c in cells]
    bad = [c for c in names if c not in COLUMNS]
    if bad or "count" not in names or len(set(names)) != len(names):
        raise InputError(f"{source}: line {n}: header must name the columns chip,count and optionally "
                         f"destination,date,buyer_hq (got {','.join(cells)})")
    return names


def _row(cells: list[str], columns: list[str], n: int, source: str) -> InventoryRow:
    if len(cells) > len(columns) or len(cells) < 2:
        raise InputError(f"{source}: line {n}: expected {len(columns)} fields at most ({','.join(columns)}), "
                         f"and at least chip,count; got {len(cells)}")
    rec = dict(zip(columns, cells, strict=False))
    chip = rec.get("chip", "")
    if not chip:
        raise InputError(f"{source}: line {n}: the chip is empty")
    raw = rec.get("count", "")
    try:
        count = int(raw)
    except ValueError:
        raise InputError(f"{source}: line {n}: count {raw!r} is not a whole number") from None
    if count < 0:
        raise InputError(f"{source}: line {n}: count {count} is negative")
    date = None
    if rec.get("date"):
        try:
            date = _dt.date.fromisoformat(rec["date"])
        except ValueError:
            raise InputError(f"{source}: line {n}: date {rec['date']!r} is not YYYY-MM-DD") from None
    return InventoryRow(n, chip, count, rec.get("destination") or None, date, rec.get("buyer_hq") or None)


def iter_inventory(lines: Iterable[str], source: str = "inventory") -> Iterator[InventoryRow]:
    """The rows of an inventory CSV, one at a time (a ledger of a million rows is never held in memory).

    Columns chip,count[,destination,date,buyer_hq]; a header row is optional; blank lines and lines starting with '#'
    are skipped. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped and ';' separators (Excel where the
    decimal separator is a comma) are read. Errors name the file and the line.
    """
    it = iter(lines)
    columns, delim, seen = None, None, False
    reader = None
    buffered: list[str] = []
    for raw in it:  # find the separator on the first line that carries data, then read everything with it
        raw = raw.lstrip("\ufeff") if not buffered else raw
        buffered.append(raw)
        if raw.strip() and not raw.lstrip().startswith("#"):
            delim = _dialect(raw, source)
            break
    if delim is None:
        raise InputError(f"{source}: no inventory rows (expected CSV lines chip,count[,destination,date])")
    reader = csv.reader(_chain(buffered, it), delimiter=delim, strict=True)
    try:
        for rec in reader:
            n = reader.line_num
            if not rec or all(not c.strip() for c in rec) or rec[0].lstrip().startswith("#"):
                continue
            cells = [c.strip() for c in rec]
            if columns is None:
                if cells[0].lower() == "chip":
                    columns = _header(cells, n, source)
                    continue
                columns = list(COLUMNS)
            seen = True
            yield _row(cells, columns, n, source)
    except csv.Error as exc:
        raise InputError(f"{source}: malformed CSV: {exc}") from None
    if not seen:
        raise InputError(f"{source}: no inventory rows (expected CSV lines chip,count[,destination,date])")


def _chain(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    yield from first
    yield from rest


def parse_inventory(text: str, source: str = "inventory") -> list[InventoryRow]:
    """Every row of an inventory CSV given as text (see :func:`iter_inventory`)."""
    if "\x00" in text:
        raise InputError(f"{source}: malformed CSV: the file holds NUL bytes (a binary file?)")
    return list(iter_inventory(io.StringIO(text), source))


def _checked_lines(fh, path) -> Iterator[str]:
    try:
        for line in fh:
            if "\x00" in line:
                raise InputError(f"{path}: malformed CSV: the file holds NUL bytes (a binary file?)")
            yield line
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (expected a CSV file; in Excel, save as 'CSV UTF-8')") from None


def open_inventory(path) -> Iterator[InventoryRow]:
    """The rows of an inventory file, read as they are consumed (the file stays open until the last row)."""
    try:
        fh = open(Path(path), encoding="utf-8", newline="")  # noqa: SIM115 - closed when the generator ends
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with fh:
        yield from iter_inventory(_checked_lines(fh, path), str(path))


def read_inventory(path) -> list[InventoryRow]:
    """Every row of an inventory file (small files; :func:`open_inventory` streams)."""
    return list(open_inventory(path))
