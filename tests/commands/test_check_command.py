"""``postback-studio check TEMPLATE [--event EVENT]...``: the all-samples grid, headless."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from postback_studio.cli import main
from postback_studio.core.paths import resources_dir
from postback_studio.core.samples import sample_names

TEMPLATES = resources_dir() / "templates"
CARRIERS = str(resources_dir() / "lookups" / "shipmentMethodUid.csv")


def test_article_template_fails_the_multi_item_sample(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(TEMPLATES / "order-shipped-article.json.j2")
    assert main(["check", path]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split() == ["SAMPLE", "RESULT", "FIRST", "PROBLEM"]
    assert lines[1].split() == ["shipped", "pass"]
    assert lines[2].startswith("shipped.multi-item  FAIL")
    assert f"{path}:16:1: error: Invalid JSON: output line 16, column 1" in lines[2]
    assert "1 of 2 samples pass" in captured.err


def test_corrected_template_passes_every_shipped_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(TEMPLATES / "order-shipped.json.j2"), "--lookups", CARRIERS]) == 0
    assert "2 of 2 samples pass" in capsys.readouterr().err


def test_explicit_events_and_variants(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(TEMPLATES / "order-shipped.json.j2")
    assert main(["check", path, "--event", "delivered", "--event", "in_transit.multi-item"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()[1:]] == [
        "delivered",
        "delivered.multi-item",
        "in_transit.multi-item",
    ]


def test_without_an_event_in_the_name_every_sample_is_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "mine.json.j2"
    shutil.copy(TEMPLATES / "order-shipped-article.json.j2", path)
    assert main(["check", str(path)]) == 1
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == sample_names()


def test_unknown_event_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(TEMPLATES / "order-shipped.json.j2"), "--event", "lost"]) == 2
    assert "unknown event 'lost'" in capsys.readouterr().err
