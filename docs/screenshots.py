"""Regenerate the screenshots in docs/screenshots/ from the real app on a fresh demo workspace.

Run: ``QT_QPA_PLATFORM=offscreen python docs/screenshots.py [--out docs/screenshots]
[--theme light|dark] [--size 1280x800]`` (without --theme or --size: both themes at both sizes).

Every page is shot in the light and the dark theme at 1280x800 and 1024x700: the light 1280x800 set
is the one the README and the guide show (``docs/screenshots/*.png``); the others go to
``docs/screenshots/<theme>-<size>/``. Each shot drives the app the way a user would (pages, buttons,
a local inbox on 127.0.0.1) and grabs the main window. Nothing here reaches the network beyond
loopback, and no secret is typed into a visible field.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from PySide6.QtCore import QCoreApplication, QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from postback_studio.app import Application, build_application

SIZES = ((1280, 800), (1024, 700))
THEMES = ("light", "dark")
#: The set the README and the guide show lives in docs/screenshots/ itself.
DEFAULT = ("light", (1280, 800))


def folder_for(out: Path, theme: str, size: tuple[int, int]) -> Path:
    """Where the shots of one theme and size go."""
    if (theme, size) == DEFAULT:
        return out
    return out / f"{theme}-{size[0]}x{size[1]}"


def settle(ms: int = 300) -> None:
    """Let queued signals, background jobs and debounce timers run before a grab."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    QCoreApplication.processEvents()


def wait_until(condition: Callable[[], bool], timeout_ms: int = 10_000) -> None:
    """Spin the event loop until ``condition`` holds (a background render or send finished)."""
    waited = 0
    while not condition() and waited < timeout_ms:
        settle(50)
        waited += 50


def shoot(app: Application, out: Path, name: str) -> Path:
    """Grab the main window into ``out/name.png``."""
    settle()
    path = out / f"{name}.png"
    app.window.grab().save(str(path))
    print(path)
    return path


def shots(app: Application, out: Path) -> list[Path]:
    """Every shot the README and the user guide show, in the order of the help article."""
    ws = app.session
    pages = app.pages
    taken: list[Path] = []
    for hook in SHOTS_BEFORE_SENDING:
        taken += hook(app, out)

    app.window.show_page("Customers")
    taken.append(shoot(app, out, "customers"))

    trigger = next(t for t in ws.triggers.list() if t.name == "Order shipped to local inbox")
    assert trigger.id is not None
    app.window.show_page("Triggers")
    pages["Triggers"].open_trigger(trigger.id)  # type: ignore[attr-defined]
    taken.append(shoot(app, out, "triggers"))

    carriers = next(t for t in ws.lookups.list() if t.template_field == "shipmentMethodUid")
    assert carriers.id is not None
    app.window.show_page("Lookups")
    pages["Lookups"].select_table(carriers.id)  # type: ignore[attr-defined]
    taken.append(shoot(app, out, "lookups"))

    app.window.show_page("Settings")
    taken.append(shoot(app, out, "settings"))

    # A test postback to the local inbox, which answers 503 twice before accepting it.
    inbox = pages["Inbox"]
    inbox.script_editor.script.setText("503x2, 200")  # type: ignore[attr-defined]
    inbox.script_editor.apply()  # type: ignore[attr-defined]
    inbox.start_stop.click()  # type: ignore[attr-defined]
    app.window.show_page("Triggers")
    form = pages["Triggers"].trigger_form  # type: ignore[attr-defined]
    form.send_test.button.click()
    wait_until(lambda: ws.requests.count() >= 3, 30_000)
    pages["Triggers"].open_trigger(trigger.id)  # type: ignore[attr-defined]
    email_trigger = next(t for t in ws.triggers.list() if t.name == "Order shipped email")
    pages["Triggers"].open_trigger(email_trigger.id)  # type: ignore[attr-defined]
    form.send_test.button.click()
    wait_until(lambda: ws.requests.count() >= 4, 30_000)
    wait_until(form.activation_frame.isVisible, 30_000)
    settle(800)
    taken.append(shoot(app, out, "triggers-test"))

    requests = pages["Requests"]
    app.window.show_page("Requests")
    requests.refresh()  # type: ignore[attr-defined]
    wait_until(lambda: requests.model.rowCount() >= 4)  # type: ignore[attr-defined]
    requests.table.selectRow(1)  # type: ignore[attr-defined]
    settle(500)
    requests.detail.tabs.setCurrentIndex(2)  # type: ignore[attr-defined]
    taken.append(shoot(app, out, "requests"))

    app.window.show_page("Inbox")
    inbox.http_list.setCurrentRow(0)  # type: ignore[attr-defined]
    taken.append(shoot(app, out, "inbox"))
    inbox.tabs.setCurrentIndex(1)  # type: ignore[attr-defined]
    inbox.email_list.setCurrentRow(0)  # type: ignore[attr-defined]
    taken.append(shoot(app, out, "inbox-email"))
    for hook in SHOTS_AFTER_SENDING:
        taken += hook(app, out)
    return taken


def template_shots(app: Application, out: Path) -> list[Path]:
    """The Template Mapper: a JSON mistake in the preview, the all-samples check, an email."""
    ws = app.session
    page = app.pages["Templates"]
    app.window.show_page("Templates")
    taken: list[Path] = []

    def open_and_render(name: str) -> None:
        template = ws.templates.get_by_name(name)
        assert template is not None and template.id is not None
        page.open_template(template.id)  # type: ignore[attr-defined]
        page.render_now()  # type: ignore[attr-defined]
        settle(1200)

    open_and_render("order-shipped")
    editor = page.view.editor  # type: ignore[attr-defined]
    text = editor.toPlainText()
    editor.setPlainText(text.replace('",\n', '"\n', 1))
    page.render_now()  # type: ignore[attr-defined]
    settle(1500)
    taken.append(shoot(app, out, "templates"))
    editor.setPlainText(text)
    page.save()  # type: ignore[attr-defined]

    open_and_render("order-shipped-article")
    page.run_check()  # type: ignore[attr-defined]
    wait_until(lambda: page.check_dialog is not None and page.check_dialog.isVisible())  # type: ignore[attr-defined]
    settle(2500)
    dialog = page.check_dialog  # type: ignore[attr-defined]
    window_size = app.window.size()
    dialog.resize(min(1000, window_size.width() - 120), 420)
    settle()
    shot = out / "templates-check.png"
    window_shot = app.window.grab()
    from PySide6.QtGui import QPainter

    painter = QPainter(window_shot)
    painter.drawPixmap((window_size.width() - dialog.width()) // 2, 190, dialog.grab())
    painter.end()
    window_shot.save(str(shot))
    print(shot)
    taken.append(shot)
    dialog.close()

    open_and_render("order-shipped-email")
    taken.append(shoot(app, out, "templates-email"))
    return taken


def over_window(app: Application, out: Path, name: str, dialog: object, at: tuple[int, int]) -> Path:
    """Grab the main window with a (non-modal) dialog painted over it at ``at``, into ``out/name.png``."""
    from PySide6.QtGui import QPainter

    settle()
    shot = app.window.grab()
    painter = QPainter(shot)
    painter.drawPixmap(*at, dialog.grab())  # type: ignore[attr-defined]
    painter.end()
    path = out / f"{name}.png"
    shot.save(str(path))
    print(path)
    return path


def doctor_shots(app: Application, out: Path) -> list[Path]:
    """The template doctor: lints with quick fixes, Check Edge Cases, what changes if I save this."""
    ws = app.session
    page = app.pages["Templates"]
    app.window.show_page("Templates")
    taken: list[Path] = []
    article = ws.templates.get_by_name("order-shipped-article")
    assert article is not None and article.id is not None
    page.open_template(article.id)  # type: ignore[attr-defined]
    page.render_now()  # type: ignore[attr-defined]
    settle(1200)
    page.view.editor.goto(3, 18)  # type: ignore[attr-defined]
    page.view.bottom_tabs.setCurrentIndex(0)  # type: ignore[attr-defined]
    taken.append(shoot(app, out, "templates-doctor-lints"))

    checker = page.edge_cases  # type: ignore[attr-defined]
    checker.run()
    wait_until(lambda: checker.report is not None, 30_000)
    results = checker.results
    loops = results.tree.topLevelItem(5)
    loops.setExpanded(True)
    results.tree.setCurrentItem(loops.child(0))
    results.output_button.click()
    wait_until(lambda: results.output_view.toPlainText() != "")
    taken.append(shoot(app, out, "templates-doctor-edge-cases"))

    shipped = ws.templates.get_by_name("order-shipped")
    assert shipped is not None and shipped.id is not None
    page.open_template(shipped.id)  # type: ignore[attr-defined]
    settle(800)
    editor = page.view.editor  # type: ignore[attr-defined]
    text = editor.toPlainText()
    edited = text.replace('"event": "Order Shipped"', '"event": "Shipped"')
    editor.setPlainText(edited.replace('"orderId": {{ orderId|tojson }}', '"orderId": "{{ orderId }}"'))
    settle(800)
    page.compare_with_saved()  # type: ignore[attr-defined]
    dialog = page.what_changes.dialog  # type: ignore[attr-defined]
    wait_until(lambda: dialog.view.outcome is not None, 60_000)
    window = app.window.size()
    dialog.resize(min(1060, window.width() - 120), min(560, window.height() - 170))
    dialog.view.select("shipped: orderId → 'a\"b'")
    taken.append(over_window(app, out, "templates-doctor-compare", dialog, (110, 150)))
    dialog.close()
    editor.setPlainText(text)
    settle(300)
    return taken


def new_from_example_shots(app: Application, out: Path) -> list[Path]:
    """Templates > New from Example: the dialog with its mapping, then the template against its example."""
    from PySide6.QtGui import QGuiApplication

    page = app.pages["Templates"]
    app.window.show_page("Templates")
    example = Path(__file__).parents[1] / "tests" / "fixtures" / "scaffold" / "failed-event" / "example.json"
    dialog = page.new_from_example()  # type: ignore[attr-defined]
    dialog.resize(app.window.size())
    dialog.choose_sample("failed.multi-item")
    QGuiApplication.clipboard().setText(example.read_text(encoding="utf-8"))
    dialog.paste_button.click()

    def settled() -> bool:
        draft = dialog.draft
        return draft is not None and draft.scaffold is not None and not dialog.worker.busy

    wait_until(settled)
    dialog.mapping.choose("failure.at", "order.updatedAt")
    wait_until(lambda: settled() and dialog.draft.request == dialog.request())
    dialog.name_edit.setText("acme-failed")
    dialog.mapping.selectRow(3)
    settle(500)
    shot = out / "new-from-example.png"
    dialog.grab().save(str(shot))
    print(shot)
    taken = [shot]
    dialog.create_button.click()
    diff = page.from_example.comparison.diff_view  # type: ignore[attr-defined]
    wait_until(lambda: diff.diff is not None and diff.isVisible())
    settle(1500)
    # Room for the diff: the library and the payload narrower, the preview wide enough to read a line.
    columns = page.view.columns  # type: ignore[attr-defined]
    columns.setSizes([round(sum(columns.sizes()) * share) for share in (0.16, 0.36, 0.48)])
    taken.append(shoot(app, out, "new-from-example-diff"))
    return taken


#: Extra shots that run before and after the sending shots.
SHOTS_BEFORE_SENDING: list[Callable[[Application, Path], list[Path]]] = [
    template_shots,
    new_from_example_shots,
]
SHOTS_AFTER_SENDING: list[Callable[[Application, Path], list[Path]]] = [doctor_shots]


def shoot_all(out: Path, theme: str, size: tuple[int, int]) -> list[Path]:
    """Every shot in one theme at one size, on a fresh demo workspace."""
    folder = folder_for(out, theme, size)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("theme", theme)
        app = build_application(Path(tmp) / "demo.sqlite", settings=settings)
        app.window.resize(*size)
        app.window.show()
        try:
            return shots(app, folder)
        finally:
            app.window.close()
            app.close()


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "screenshots")
    parser.add_argument("--theme", choices=THEMES, action="append", help="light or dark (default: both)")
    parser.add_argument("--size", type=_size, action="append",
                        help="WIDTHxHEIGHT (default: 1280x800 and 1024x700)")
    args = parser.parse_args(argv)
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    for theme in args.theme or THEMES:
        for size in args.size or SIZES:
            shoot_all(args.out, theme, size)
    del qapp
    return 0


if __name__ == "__main__":
    sys.exit(main())
