"""Lookup files for --lookups: JSON tables, or a key,value CSV named after its template field."""

from __future__ import annotations

from pathlib import Path

import pytest

from postback_studio.core.lookup_files import LookupFileError, read_lookup_csv, read_lookups_file
from postback_studio.core.paths import resources_dir


def test_csv_file_stem_names_the_template_field() -> None:
    tables = read_lookups_file(resources_dir() / "lookups" / "shipmentMethodUid.csv")
    assert tables["shipmentMethodUid"]["ups_surepost"] == "UPS SurePost"


def test_csv_without_header_and_with_quotes() -> None:
    assert read_lookup_csv('a,1\n"b,c","x ""y"""\n\n') == {"a": "1", "b,c": 'x "y"'}


def test_csv_with_wrong_columns_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "sku.csv"
    path.write_text("key,value\na,1\nb,2,3\n")
    with pytest.raises(LookupFileError, match=r"sku\.csv:3: expected two columns"):
        read_lookups_file(path)


def test_json_tables(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{"sku": {"A": "uid-a", "B": 2}}')
    assert read_lookups_file(path) == {"sku": {"A": "uid-a", "B": "2"}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", r"t\.json:1:2: the lookup file is not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"sku": 1}', "field 'sku'"),
    ],
)
def test_bad_json_is_refused_with_a_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.json"
    path.write_text(text)
    with pytest.raises(LookupFileError, match=message):
        read_lookups_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LookupFileError, match="no such file"):
        read_lookups_file(tmp_path / "none.csv")
