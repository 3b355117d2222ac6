"""``postback-studio samples [EVENT]``."""

from __future__ import annotations

import json

import pytest

from postback_studio.cli import main
from postback_studio.core.model import Event
from postback_studio.core.samples import load_sample


def test_lists_every_event_with_its_samples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["samples"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(Event)
    shipped = next(line for line in lines if line.startswith("shipped "))
    assert "Order shipped" in shipped and "shipped.multi-item" in shipped


@pytest.mark.parametrize("name", ["shipped", "shipped.multi-item", "in_transit"])
def test_prints_one_sample(capsys: pytest.CaptureFixture[str], name: str) -> None:
    assert main(["samples", name]) == 0
    assert json.loads(capsys.readouterr().out) == load_sample(name)


def test_unknown_sample_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["samples", "shipped.nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown sample 'shipped.nope'" in err and "shipped.multi-item" in err
