"""The one composition root: builds the QApplication, the workspace, the services and the window.

Everything the GUI needs is created here and handed to the widgets that use it; nothing else in the
package constructs services or reaches for globals. :func:`build_application` is also what the
UI tests and the screenshot script use, so they see the app exactly as a user does.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from postback_studio.core.render import RenderEngine
    from postback_studio.storage import Workspace
    from postback_studio.ui.main_window import MainWindow
    from postback_studio.workers.jobs import JobRunner


def gui_unavailable_reason() -> str | None:
    """Say why Qt could not open a window here, before Qt aborts the process with its own message.

    Qt 6's xcb platform plugin needs ``libxcb-cursor0`` on Linux, and any on-screen platform needs a
    display. Returns None when the GUI should start.
    """
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform in {"offscreen", "minimal", "vnc"}:
        return None
    wayland = bool(os.environ.get("WAYLAND_DISPLAY")) and platform in {"", "wayland"}
    if not os.environ.get("DISPLAY") and not wayland:
        return (
            "no display: the desktop app needs an X11 or Wayland session.\n"
            "  Run it from a desktop session, or set QT_QPA_PLATFORM=offscreen for a headless run.\n"
            "  The headless commands work without a display: postback-studio --help"
        )
    if not wayland and ctypes.util.find_library("xcb-cursor") is None:
        return (
            "Qt 6 needs the library libxcb-cursor0 to open windows on X11, and it is not installed.\n"
            "  Install it: sudo apt install libxcb-cursor0   (Fedora: sudo dnf install xcb-util-cursor)"
        )
    return None


@dataclass
class Application:
    """The composed application: the window and the services it was built from.

    ``close()`` releases them in order (background jobs drained, render workers stopped, workspace
    closed). Tests and the screenshot script drive ``pages`` directly.
    """

    window: MainWindow
    workspace: Workspace
    engine: RenderEngine
    jobs: JobRunner
    settings: QSettings
    pages: dict[str, QWidget] = field(default_factory=dict)
    services: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        """Stop background work and release the workspace; safe to call twice."""
        for closer in self.services.pop("closers", []):
            closer()
        self.jobs.shutdown()
        self.engine.close()
        self.workspace.close()


def build_application(workspace_path: Path, *, settings: QSettings | None = None) -> Application:
    """Open the workspace and build every service and page around it (a QApplication must exist)."""
    from functools import partial

    from PySide6.QtCore import QSettings, QThreadPool
    from PySide6.QtWidgets import QApplication, QMessageBox

    from postback_studio.core.activation import sample_problems
    from postback_studio.core.dispatch.email import test_connection
    from postback_studio.core.dispatch.inbox import ResponseScript
    from postback_studio.core.paths import resources_dir
    from postback_studio.core.reachability import check_destination
    from postback_studio.core.render import RenderEngine
    from postback_studio.core.trigger_setup import example_templates
    from postback_studio.storage import Workspace
    from postback_studio.storage.requests_view import WorkspaceRequestSource
    from postback_studio.ui.customers_page import CustomersPage
    from postback_studio.ui.inbox_page import InboxPage
    from postback_studio.ui.lookups_page import LookupsPage
    from postback_studio.ui.main_window import PAGE_NAMES, MainWindow, Page
    from postback_studio.ui.requests_page import RequestsPage
    from postback_studio.ui.settings_page import SettingsPage
    from postback_studio.ui.theme import Theme, apply_theme
    from postback_studio.ui.trigger_form import TriggerForm
    from postback_studio.ui.triggers_page import TriggersPage
    from postback_studio.workers.jobs import JobError, JobRunner

    qapp = QApplication.instance()
    if not isinstance(qapp, QApplication):
        raise RuntimeError("build_application needs a QApplication")
    settings = settings or QSettings()
    workspace = Workspace.open(workspace_path)
    engine = RenderEngine()
    pool = QThreadPool()
    pool.setMaxThreadCount(max(4, QThreadPool.globalInstance().maxThreadCount()))
    jobs = JobRunner(pool)
    theme = _theme_setting(settings.value("theme", Theme.SYSTEM.value))
    apply_theme(qapp, theme)

    examples = example_templates(resources_dir() / "templates")
    check_template = partial(sample_problems, engine)

    def trigger_form() -> TriggerForm:
        return TriggerForm(
            workspace.triggers,
            workspace.templates,
            jobs=jobs,
            check_template=check_template,
            lookup_set_for=workspace.lookups.lookup_set_for,
            examples=examples,
            reachability=check_destination,
        )

    customer_form, trigger_list_form = trigger_form(), trigger_form()
    customers = CustomersPage(
        workspace.customers, workspace.triggers, workspace.lookups, customer_form, workspace.templates
    )
    triggers = TriggersPage(workspace.triggers, workspace.customers, trigger_list_form)
    lookups = LookupsPage(workspace.lookups, workspace.customers, workspace.templates)
    settings_page = SettingsPage(
        workspace.smtp,
        jobs=jobs,
        test_connection=test_connection,
        secrets_location=workspace.secrets_backend_description,
        theme=theme,
    )

    requests_page = RequestsPage(partial(WorkspaceRequestSource.open, workspace_path))
    inbox_page = InboxPage(ResponseScript.parse)

    from PySide6.QtWidgets import QLabel

    widgets: dict[str, QWidget] = {
        "Customers": customers,
        "Triggers": triggers,
        "Lookups": lookups,
        "Requests": requests_page,
        "Inbox": inbox_page,
        "Settings": settings_page,
    }
    for name in PAGE_NAMES:
        widgets.setdefault(name, QLabel(name))
    page_actions = {"Requests": tuple(requests_page.menu_actions)}
    window = MainWindow(
        [Page(name, widgets[name], page_actions.get(name, ())) for name in PAGE_NAMES],
        workspace_label=str(workspace_path),
        theme=theme,
    )
    app = Application(window, workspace, engine, jobs, settings, widgets)
    app.services["closers"] = [requests_page.wait_for_workers]

    def refresh_filter_choices() -> None:
        requests_page.set_filter_choices(
            [(c.id, c.name) for c in workspace.customers.list() if c.id is not None],
            [(t.id, t.name) for t in workspace.triggers.list() if t.id is not None],
        )

    refresh_filter_choices()

    def choose_theme(value: str) -> None:
        chosen = _theme_setting(value)
        apply_theme(qapp, chosen)
        settings.setValue("theme", chosen.value)
        settings_page.set_theme(chosen.value)

    window.theme_chosen.connect(choose_theme)
    settings_page.theme_chosen.connect(choose_theme)
    jobs.activity_changed.connect(window.show_activity)

    def show_job_error(_job_id: int, error: object) -> None:
        message = error.message if isinstance(error, JobError) else str(error)
        window.show_status(f"Background task failed: {message}", 15_000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Background task failed", message,
                          QMessageBox.StandardButton.Ok, window)
        if isinstance(error, JobError):
            box.setDetailedText(error.details)
        box.open()

    jobs.job_failed.connect(show_job_error)

    def open_lookup_table(table_id: int) -> None:
        lookups.select_table(table_id)
        window.show_page("Lookups")

    customers.lookup_table_requested.connect(open_lookup_table)
    for form in (customer_form, trigger_list_form):
        form.trigger_saved.connect(lambda _id: (customers.refresh(), triggers.refresh(),
                                                refresh_filter_choices()))
    customers.customer_saved.connect(lambda _id: refresh_filter_choices())
    customers.customer_deleted.connect(lambda _id: refresh_filter_choices())
    lookups.table_saved.connect(lambda _id: customers.refresh())
    return app


def _theme_setting(value: object) -> Any:
    from postback_studio.ui.theme import Theme

    try:
        return Theme(str(value))
    except ValueError:
        return Theme.SYSTEM


def run_gui(workspace: Path) -> int:
    """Open the desktop application on ``workspace`` and run until the window closes."""
    reason = gui_unavailable_reason()
    if reason is not None:
        print(f"postback-studio: cannot open the desktop app: {reason}", file=sys.stderr)
        return 2

    from PySide6.QtWidgets import QApplication

    from postback_studio.storage import WorkspaceError

    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    qapp.setApplicationName("Postback Studio")
    qapp.setOrganizationName("Postback Studio")
    try:
        app = build_application(workspace)
    except WorkspaceError as exc:
        print(f"postback-studio: {exc}", file=sys.stderr)
        return 2
    app.window.resize(1280, 800)
    app.window.show()
    try:
        return int(qapp.exec())
    finally:
        app.close()
