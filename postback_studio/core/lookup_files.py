"""Lookup tables from files: JSON ``{"field": {"key": "value"}}`` or a GelatoConnect key,value CSV.

A CSV holds one table, so the template field it serves is the file's name without its extension
(``shipmentMethodUid.csv``), as in GelatoConnect's bulk upload where the table is chosen first.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from postback_studio.core.errors import InputError
from postback_studio.core.model import LookupSet
from postback_studio.core.textfiles import read_json_file, read_text_file


class LookupFileError(InputError):
    """A lookup file that cannot be used; the message names the file, the line and the problem."""


def read_lookup_csv(text: str, name: str = "<csv>") -> dict[str, str]:
    """Rows of a two-column key,value CSV; a ``key,value`` header row is skipped."""
    rows: dict[str, str] = {}
    reader = csv.reader(io.StringIO(text))
    try:
        for number, row in enumerate(reader, start=1):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != 2:
                raise LookupFileError(f"{name}:{number}: expected two columns (key,value), found {len(row)}")
            key, value = row
            if number == 1 and (key.strip().lower(), value.strip().lower()) == ("key", "value"):
                continue
            rows[key] = value
    except csv.Error as exc:
        raise LookupFileError(f"{name}:{reader.line_num}: not valid CSV: {exc}") from None
    return rows


def read_lookups_file(path: Path) -> LookupSet:
    """Read ``--lookups FILE``: JSON for several tables, CSV for the table named by the file stem."""
    if path.suffix.lower() == ".csv":
        return {path.stem: read_lookup_csv(read_text_file(path, LookupFileError), str(path))}
    document = read_json_file(path, "the lookup file", LookupFileError)
    if not isinstance(document, dict):
        raise LookupFileError(
            f'{path}: expected a JSON object {{"<template field>": {{"<key>": "<value>"}}}}'
        )
    tables: LookupSet = {}
    for field_name, table in document.items():
        if not isinstance(table, dict):
            raise LookupFileError(
                f"{path}: the table for field '{field_name}' must be an object of key: value"
            )
        tables[str(field_name)] = {
            str(k): v if isinstance(v, str) else json.dumps(v) for k, v in table.items()
        }
    return tables
