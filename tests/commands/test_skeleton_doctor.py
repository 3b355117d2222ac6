"""A new template starts clean: every New-menu skeleton passes the app's own template doctor."""

from __future__ import annotations

from pathlib import Path

import pytest

from postback_studio.cli import main
from postback_studio.core.model import OutputFormat, TemplateKind
from postback_studio.core.template_files import suggested_filename, template_to_text
from postback_studio.core.template_library import NEW_TEMPLATE_CHOICES, skeleton


@pytest.mark.parametrize(("kind", "fmt"), [(kind, fmt) for _label, kind, fmt in NEW_TEMPLATE_CHOICES])
def test_every_skeleton_passes_lint_and_edge_cases(
    kind: TemplateKind, fmt: OutputFormat, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = skeleton("new-one", kind, fmt)
    path = tmp_path / suggested_filename(template)
    path.write_text(template_to_text(template), encoding="utf-8")
    code = main(["check", str(path), "--lint", "--edge-cases"])
    captured = capsys.readouterr()
    assert "lint: no problems found" in captured.out + captured.err
    assert "no variant breaks the template" in captured.out + captured.err
    assert code == 0, captured.out + captured.err


@pytest.mark.parametrize("fmt", [OutputFormat.JSON, OutputFormat.XML])
def test_webhook_skeletons_use_gelatoconnect_field_names(fmt: OutputFormat) -> None:
    body = skeleton("new-one", TemplateKind.WEBHOOK, fmt).body
    assert "eventType" in body
    assert "{{ event " not in body and "{{ event|" not in body
