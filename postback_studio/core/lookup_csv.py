"""Lookup tables as two-column ``key,value`` CSV, the shape of GelatoConnect's bulk upload.

Reading is forgiving about what spreadsheets produce (a UTF-8 BOM, CRLF line ends, a ``key,value``
header row, blank lines) and strict about what would silently break lookups (an empty key, a row
without exactly two columns): those are reported with their line numbers, all at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from postback_studio.core.errors import InputError


class LookupCsvError(InputError):
    """A CSV that cannot become a lookup table; ``problems`` holds one ``source:line: message`` each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def parse_lookup_csv(data: bytes | str, source: str = "<csv>") -> tuple[tuple[str, str], ...]:
    """Rows of a ``key,value`` CSV, in file order; a later duplicate key replaces the earlier value."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise LookupCsvError([f"{source}:{line}: not UTF-8 text (byte {exc.start})"]) from None
    else:
        text = data.removeprefix("\ufeff")
    rows: dict[str, str] = {}
    problems: list[str] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:
            line = reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue
            if line == 1 and [cell.strip().lower() for cell in record] == ["key", "value"]:
                continue
            if len(record) != 2:
                problems.append(f"{source}:{line}: expected 2 columns (key,value), found {len(record)}")
                continue
            key, value = record[0].strip(), record[1]
            if not key:
                problems.append(f"{source}:{line}: the key is empty")
                continue
            rows[key] = value
    except csv.Error as exc:
        problems.append(f"{source}:{reader.line_num}: {exc}")
    if problems:
        raise LookupCsvError(problems)
    return tuple(rows.items())


def dump_lookup_csv(rows: Iterable[tuple[str, str]]) -> str:
    """The CSV text for ``rows``, with a ``key,value`` header and CRLF line ends as spreadsheets write."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["key", "value"])
    for key, value in rows:
        writer.writerow([key, value])
    return buffer.getvalue()
