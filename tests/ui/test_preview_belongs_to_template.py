"""The preview shows only output of the template in the editor: another template's output is never
left on show, and the template's own last good output stays only marked as stale."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from postback_studio.app import Application
from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.render.engine import TemplateRendering
from postback_studio.core.render.result import RenderResult
from postback_studio.ui.email_parts import EmailPartsPreview
from postback_studio.ui.templates_page import TemplatesPage

BROKEN = '{"id": {{ orderId|tojson }, "x": 1}'


def _page(qtbot: QtBot, app: Application) -> TemplatesPage:
    page: TemplatesPage = app.pages["Templates"]  # type: ignore[assignment]
    app.window.show_page("Templates")
    return page


def _open(qtbot: QtBot, page: TemplatesPage, template_id: int) -> None:
    with qtbot.waitSignal(page.preview_updated, timeout=10_000):
        assert page.open_template(template_id)


def test_a_broken_template_opened_after_another_does_not_show_its_output(
    qtbot: QtBot, app: Application
) -> None:
    page = _page(qtbot, app)
    xml = app.session.templates.get_by_name("order-shipped-xml")
    broken = app.session.templates.save(
        Template(name="broken-one", kind=TemplateKind.WEBHOOK, format=OutputFormat.JSON, body=BROKEN)
    )
    assert xml is not None and xml.id is not None and broken.id is not None
    page.refresh_library()
    _open(qtbot, page, xml.id)
    assert "<orderShipped>" in page.view.output_view.toPlainText()
    _open(qtbot, page, broken.id)
    assert "syntax error" in page.view.status_label.text().lower() or page.view.problems.diagnostics()
    assert "<orderShipped>" not in page.view.output_view.toPlainText()
    assert page.view.output_view.toPlainText() == ""
    assert not page.view.output_is_stale()


def test_breaking_the_template_on_show_keeps_its_output_marked_stale(qtbot: QtBot, app: Application) -> None:
    page = _page(qtbot, app)
    xml = app.session.templates.get_by_name("order-shipped-xml")
    assert xml is not None and xml.id is not None
    _open(qtbot, page, xml.id)
    good = page.view.output_view.toPlainText()
    assert good and not page.view.output_is_stale()
    with qtbot.waitSignal(page.preview_updated, timeout=10_000):
        page.view.editor.setPlainText(xml.body + "{% if %}")
    assert page.view.output_view.toPlainText() == good
    assert page.view.output_is_stale()
    with qtbot.waitSignal(page.preview_updated, timeout=10_000):
        page.view.editor.setPlainText(xml.body)
    assert not page.view.output_is_stale()


def _email(html: str | None, text: str | None) -> TemplateRendering:
    return TemplateRendering(
        {
            "subject": RenderResult("Hi", OutputFormat.TEXT),
            "html": RenderResult(html, OutputFormat.HTML),
            "text": RenderResult(text, OutputFormat.TEXT),
        }
    )


def test_an_email_part_that_failed_is_cleared_or_marked_stale(qtbot: QtBot) -> None:
    preview = EmailPartsPreview()
    qtbot.addWidget(preview)
    preview.show_rendering(_email("<p>old html</p>", "old text"))
    preview.show_rendering(_email(None, None))
    assert "old html" not in preview.html_text() and preview.text_view.toPlainText() == ""
    preview.show_rendering(_email("<p>old html</p>", "old text"))
    preview.show_rendering(_email(None, "new text"), keep_stale=True)
    assert "old html" in preview.html_text() and preview.text_view.toPlainText() == "new text"
    assert "HTML part: last good output, before the error" in preview.warning_label.text()
