"""Random lookup CSV files are imported with exactly their rows, or refused by line with nothing changed.

Generated files are written with ``csv.writer`` from known rows (so the expected table is known
without our parser), with the variations spreadsheets produce: a BOM, a header, CRLF or LF, blank
lines, quoted commas and line breaks. Mutated and random files must either import (the stored table
is then exactly what the parser returned) or be refused with ``source:LINE:`` problems, the line
inside the file, and the existing table untouched.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from postback_studio.core.lookup_csv import LookupCsvError, parse_lookup_csv
from postback_studio.core.model import LookupTable
from postback_studio.services.changes import ChangeBus
from postback_studio.services.configuration import LookupService
from postback_studio.storage.workspace import Workspace
from tests.property.strategies import mutated_text

_cell_alphabet = st.sampled_from(list(' ab,"\n\r\t;é\u2603\u00a0x1'))
keys = st.text(_cell_alphabet, min_size=1, max_size=8).filter(lambda k: bool(k.strip()))
values = st.text(_cell_alphabet, max_size=10)
rows_strategy = st.lists(st.tuples(keys, values), max_size=8).filter(
    lambda rows: not rows or [rows[0][0].strip().lower(), rows[0][1].strip().lower()] != ["key", "value"]
)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    """A CSV file written from known rows, and the table those rows must become."""
    rows = draw(rows_strategy)
    buffer = io.StringIO()
    ending = draw(st.sampled_from(("\r\n", "\n")))
    # csv.writer quotes a cell holding "\r" only when "\r" is in its line terminator: with "\n" alone it
    # would write a bare "\r" that any reader ends the row at, so quote every cell then.
    writer = csv.writer(
        buffer, lineterminator=ending, quoting=csv.QUOTE_MINIMAL if ending == "\r\n" else csv.QUOTE_ALL
    )
    if draw(st.booleans()):
        writer.writerow(["key", "value"])
    for key, value in rows:
        if draw(st.integers(0, 4)) == 0:
            buffer.write(writer.dialect.lineterminator)
        writer.writerow([key, value])
    text = ("\ufeff" if draw(st.booleans()) else "") + buffer.getvalue()
    expected: dict[str, str] = {}
    for key, value in rows:
        expected[key.strip()] = value
    return text.encode("utf-8"), expected


random_files = st.one_of(
    csv_files()
    .flatmap(lambda made: mutated_text(made[0].decode("utf-8"), (",", '"', "\n", "\r\n", ",,", " ")))
    .map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
)
EXISTING = (("ups", "UPS"), ("dhl", "DHL"))
_PROBLEM = re.compile(r"^upload\.csv:(\d+): \S")


def _import(data: bytes) -> tuple[LookupTable, LookupTable | None, LookupCsvError | None]:
    with (
        tempfile.TemporaryDirectory() as folder,
        Workspace.open(Path(folder) / "ws.sqlite", seed=False) as ws,
    ):
        before = ws.lookups.save(LookupTable("carriers", "shipmentMethodUid", EXISTING))
        lookups = LookupService(ws, ChangeBus())
        try:
            lookups.apply_import(
                lookups.plan_csv_import(
                    data, name="carriers", template_field="shipmentMethodUid", source="upload.csv"
                )
            )
        except LookupCsvError as refused:
            return before, ws.lookups.get_by_name("carriers"), refused
        return before, ws.lookups.get_by_name("carriers"), None


@settings(suppress_health_check=[HealthCheck.too_slow])  # each example opens a workspace file
@given(csv_files())
def test_a_written_csv_imports_exactly_its_rows(made: tuple[bytes, dict[str, str]]) -> None:
    data, expected = made
    _, after, refused = _import(data)
    assert refused is None
    assert after is not None and dict(after.rows) == expected and list(dict(after.rows)) == list(expected)


@settings(suppress_health_check=[HealthCheck.too_slow])  # each example opens a workspace file
@given(random_files)
def test_a_mutated_csv_imports_what_it_parses_or_is_refused_by_line(data: bytes) -> None:
    before, after, refused = _import(data)
    if refused is None:
        event("imported")
        assert after is not None and after.rows == parse_lookup_csv(data, "upload.csv")
        return
    event("refused")
    assert after == before
    lines = data.count(b"\n") + data.count(b"\r") + 1
    for problem in refused.problems:
        match = _PROBLEM.match(problem)
        assert match, problem
        assert 1 <= int(match.group(1)) <= lines, (problem, lines)
