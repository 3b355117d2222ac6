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
    if not wayland and ctypes.util.find_library("xcb-cursor") is None and not _bundled("libxcb-cursor.so"):
        return (
            "Qt 6 needs the library libxcb-cursor0 to open windows on X11, and it is not installed.\n"
            "  Install it: sudo apt install libxcb-cursor0   (Fedora: sudo dnf install xcb-util-cursor)"
        )
    return None


def _bundled(library: str) -> bool:
    """Whether the standalone build carries ``library`` itself (the system's linker search misses it)."""
    bundle = getattr(sys, "_MEIPASS", None)
    return bool(getattr(sys, "frozen", False) and bundle and any(Path(bundle).glob(f"{library}*")))


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
        """Stop background work and release the workspace; safe to call twice.

        Results that workers queued before they stopped are delivered while the workspace is still
        open (their handlers read it), and jobs those handlers start are drained too.
        """
        from PySide6.QtCore import QCoreApplication

        self.window.close_without_asking()
        self.jobs.shutdown()
        for closer in self.services.pop("closers", []):
            closer()
        for _ in range(2):
            QCoreApplication.processEvents()
            self.jobs.shutdown()
        QCoreApplication.processEvents()
        self.jobs.blockSignals(True)
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
    from postback_studio.storage.ownership import APP_HOLDER, Access
    from postback_studio.storage.requests_view import WorkspaceRequestSource
    from postback_studio.ui.customers_page import CustomersPage
    from postback_studio.ui.inbox_page import InboxPage
    from postback_studio.ui.lookups_page import LookupsPage
    from postback_studio.ui.main_window import PAGE_NAMES, MainWindow, Page
    from postback_studio.ui.requests_page import RequestsPage
    from postback_studio.ui.settings_page import SettingsPage
    from postback_studio.ui.templates_page import TemplatesPage
    from postback_studio.ui.theme import Theme, apply_theme
    from postback_studio.ui.trigger_form import TriggerForm
    from postback_studio.ui.triggers_page import TriggersPage
    from postback_studio.workers.jobs import JobError, JobRunner

    qapp = QApplication.instance()
    if not isinstance(qapp, QApplication):
        raise RuntimeError("build_application needs a QApplication")
    settings = settings or QSettings()
    # Held exclusive for the app's whole run (Application.close() closes it last); every other
    # connection the app opens joins this hold, and other processes are refused while it lasts.
    workspace = Workspace.open(workspace_path, access=Access.EXCLUSIVE, holder=APP_HOLDER)
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
    templates = TemplatesPage(workspace, engine, pool, settings)
    inbox_page = InboxPage(ResponseScript.parse)

    from PySide6.QtWidgets import QLabel

    widgets: dict[str, QWidget] = {
        "Templates": templates,
        "Customers": customers,
        "Triggers": triggers,
        "Lookups": lookups,
        "Requests": requests_page,
        "Inbox": inbox_page,
        "Settings": settings_page,
    }
    for name in PAGE_NAMES:
        widgets.setdefault(name, QLabel(name))
    page_actions = {"Requests": tuple(requests_page.menu_actions), "Templates": tuple(templates.actions())}
    window = MainWindow(
        [Page(name, widgets[name], page_actions.get(name, ())) for name in PAGE_NAMES],
        workspace_label=str(workspace_path),
        close_guards=[templates.confirm_discard, customer_form.confirm_discard,
                      trigger_list_form.confirm_discard],
        theme=theme,
    )
    app = Application(window, workspace, engine, jobs, settings, widgets)
    geometry = settings.value("window/geometry")
    if geometry is not None:
        window.restoreGeometry(geometry)
    else:
        window.resize(1280, 800)

    def save_window_state() -> None:
        settings.setValue("window/geometry", window.saveGeometry())
        templates.save_state()
        settings.sync()

    app.services["closers"] = [save_window_state, requests_page.wait_for_workers]
    templates.status_message.connect(window.show_status)

    def open_template(template_id: int) -> None:
        templates.refresh_library()
        window.show_page("Templates")
        templates.open_template(template_id)

    def on_template_saved(_template_id: int) -> None:
        for form in (customer_form, trigger_list_form):
            form.refresh_templates()

    templates.template_saved.connect(on_template_saved)
    lookups.template_requested.connect(open_template)
    for form in (customer_form, trigger_list_form):
        form.template_created.connect(open_template)

    def refresh_filter_choices() -> None:
        requests_page.set_filter_choices(
            [(c.id, c.name) for c in workspace.customers.list() if c.id is not None],
            [(t.id, t.name) for t in workspace.triggers.list() if t.id is not None],
        )

    refresh_filter_choices()

    def editor_palette(chosen: Theme) -> Any:
        from postback_studio.ui.editor.highlighter import DARK_PALETTE, LIGHT_PALETTE
        from postback_studio.ui.theme import effective_dark

        return DARK_PALETTE if effective_dark(chosen) else LIGHT_PALETTE

    def choose_theme(value: str) -> None:
        chosen = _theme_setting(value)
        apply_theme(qapp, chosen)
        templates.set_editor_palette(editor_palette(chosen))
        settings.setValue("theme", chosen.value)
        settings_page.set_theme(chosen.value)

    templates.set_editor_palette(editor_palette(theme))

    window.theme_chosen.connect(choose_theme)
    window.about_requested.connect(
        lambda: _show_about(window, workspace_path, workspace.secrets_backend_description, settings))
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
    _wire_delivery(app, workspace_path, (customer_form, trigger_list_form))
    return app


def _wire_delivery(app: Application, workspace_path: Path, forms: tuple[Any, ...]) -> None:
    """Send Test, Resend, Simulate, pending retries and the local inbox, all off the GUI thread."""
    from dataclasses import replace

    from PySide6.QtCore import QObject, QTimer, Signal
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QMessageBox

    from postback_studio.core.dispatch.delivery import EmailTarget, WebhookTarget
    from postback_studio.core.dispatch.inbox import HttpInbox, InboxLimits, SmtpCatcher
    from postback_studio.core.dispatch.service import (
        DeliveryService,
        SendOptions,
        insecure_credentials,
        insecure_smtp,
    )
    from postback_studio.core.model import DeliveryMethod, Template, TemplateKind
    from postback_studio.core.requestlog import Outcome
    from postback_studio.core.samples import load_sample, sample_names
    from postback_studio.storage import Workspace
    from postback_studio.ui.simulate_dialog import SimulateDialog
    from postback_studio.workers.inbox_bridge import InboxBridge

    class AttemptBridge(QObject):
        """``on_attempt`` runs on the service's writer thread: it may only emit."""

        attempt_logged = Signal(object)

    window, jobs, settings = app.window, app.jobs, app.settings
    requests_page, inbox_page, settings_page = (
        app.pages["Requests"], app.pages["Inbox"], app.pages["Settings"])
    attempts = AttemptBridge(window)
    service = DeliveryService(
        lambda: Workspace.open(workspace_path, seed=False),
        app.engine,
        on_attempt=attempts.attempt_logged.emit,
    )
    app.services["delivery"] = service
    attempts.attempt_logged.connect(lambda _record: requests_page.refresh())

    def on_sent(what: str, reports: list[Any]) -> str:
        delivered = sum(1 for r in reports if r.delivered)
        summary = f"{what}: {delivered} of {len(reports)} delivered"
        window.show_status(summary)
        requests_page.refresh()
        return summary

    def send_test(form: Any, trigger_id: int, options: SendOptions | None = None) -> None:
        trigger = app.workspace.triggers.get(trigger_id)
        payload = load_sample(trigger.event.value)
        options = options or SendOptions()
        if not options.allow_insecure:
            if trigger.method is DeliveryMethod.URL:
                target = WebhookTarget(trigger.url, trigger.http_method, trigger.headers, trigger.format,
                                       trigger.signing_secret)
                problem = insecure_credentials(target)
            else:
                problem = insecure_smtp(app.workspace.smtp.get())
            if problem:
                answer = QMessageBox.warning(
                    window, "Credentials over an unencrypted connection", problem + "\n\nSend anyway?",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.No)
                if answer != QMessageBox.StandardButton.Yes:
                    form.on_test_result(False)
                    return
                options = replace(options, allow_insecure=True)

        def job(_report: Any, _cancelled: Any) -> Any:
            return service.send_test(trigger_id, payload, options)

        def done(result: Any) -> None:
            on_sent("Test", [result])
            if result.outcome is Outcome.BLOCKED and not options.send_anyway:
                last = result.attempts[-1].record if result.attempts else None
                reason = last.error if last is not None else "the output is not valid for its format"
                answer = QMessageBox.warning(
                    window, "Output not sent",
                    f"Nothing was sent: {reason}\n\nSend the invalid output anyway?",
                    QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                    QMessageBox.StandardButton.No)
                if answer == QMessageBox.StandardButton.Yes:
                    send_test(form, trigger_id, replace(options, send_anyway=True))
                    return
            form.on_test_result(bool(result.delivered))

        jobs.submit(f"Send test: {trigger.name}", job, on_done=done,
                    on_error=lambda _error: form.on_test_result(False))

    for form in forms:
        form.send_test_requested.connect(lambda trigger_id, f=form: send_test(f, trigger_id))

    def resend(request_ids: list[int]) -> None:
        jobs.submit(f"Resend {len(request_ids)}", lambda _r, _c: on_sent_later("Resend",
                    service.resend(request_ids)))

    def on_sent_later(what: str, reports: list[Any]) -> list[Any]:
        delivered = sum(1 for r in reports if r.delivered)
        attempts.attempt_logged.emit(f"{what}: {delivered} of {len(reports)} delivered")
        return reports

    requests_page.resend_requested.connect(resend)

    def send_test_email(address: str) -> None:
        template = Template(
            name="SMTP test",
            kind=TemplateKind.EMAIL,
            subject="Postback Studio test email",
            body="<p>This is a test email from <b>Postback Studio</b>. Your SMTP settings work.</p>",
            text_body="This is a test email from Postback Studio. Your SMTP settings work.\n",
        )

        def job(_report: Any, _cancelled: Any) -> tuple[bool, str]:
            report = service.send_template(template, {}, EmailTarget((address,)))
            last = report.attempts[-1].record if report.attempts else None
            detail = last.error if last is not None and last.error else ""
            return report.delivered, ("Sent to " + address) if report.delivered else (
                detail or "The test email was not delivered; see the Requests page.")

        def done(result: tuple[bool, str]) -> None:
            settings_page.on_test_email_result(*result)
            requests_page.refresh()

        jobs.submit("Send test email", job, on_done=done,
                    on_error=lambda error: settings_page.on_test_email_result(False, error.message))

    settings_page.test_email_requested.connect(send_test_email)

    def simulate() -> None:
        customers = [(c.id, c.name) for c in app.workspace.customers.list() if c.id is not None]
        dialog = SimulateDialog(customers, sample_names(), window)
        if not dialog.exec():
            return
        choice = dialog.request()
        payload = load_sample(choice.sample) if choice.sample else None
        jobs.submit("Simulate", lambda _r, _c: on_sent_later("Simulate", service.simulate(
            choice.customer_id, choice.events, orders=choice.orders, payload=payload)))
        window.show_page("Requests")

    simulate_action = QAction("Simulate Order Events…", window)
    simulate_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
    simulate_action.triggered.connect(simulate)
    window.add_menu_action("&Tools", simulate_action)

    def cancel_retries(delivery_ids: list[str], what: str) -> None:
        if not delivery_ids:
            window.show_status(f"No pending retries {what}.")
            return
        answer = QMessageBox.question(
            window, "Cancel retries", f"Cancel {len(delivery_ids)} pending retr"
            f"{'y' if len(delivery_ids) == 1 else 'ies'} {what}? They are logged as cancelled.")
        if answer == QMessageBox.StandardButton.Yes:
            jobs.submit("Cancelling retries", lambda _r, _c: on_sent_later(
                "Cancel", [r for d in delivery_ids if (r := service.cancel(d)) is not None]))

    def cancel_all_retries() -> None:
        cancel_retries(sorted({p.delivery.delivery_id for p in service.pending()}), "waiting")

    def cancel_selected_retries() -> None:
        selected = {app.workspace.requests.get(i).delivery_id for i in requests_page.selected_ids()}
        pending = {p.delivery.delivery_id for p in service.pending()}
        cancel_retries(sorted(selected & pending), "of the selected deliveries")

    cancel_all = QAction("Cancel All Pending Retries…", window)
    cancel_all.triggered.connect(cancel_all_retries)
    cancel_selected = QAction("Cancel Retries of Selected Deliveries…", window)
    cancel_selected.triggered.connect(cancel_selected_retries)
    window.add_menu_action("&Tools", cancel_selected)
    window.add_menu_action("&Tools", cancel_all)

    # Pending retries are due times in the workspace: a timer runs the due ones in the background,
    # one batch at a time, and picks up what a previous session left.
    retry_state = {"running": False}

    def run_due_retries() -> None:
        if retry_state["running"] or not service.pending():
            return
        retry_state["running"] = True

        def finished(_outcome: object) -> None:
            retry_state["running"] = False

        jobs.submit("Retrying", lambda _r, _c: service.resume_pending(), on_done=finished, on_error=finished)

    retry_timer = QTimer(window)
    retry_timer.setInterval(1000)
    retry_timer.timeout.connect(run_due_retries)
    retry_timer.start()

    # The local inbox: started from the Inbox page, on the ports chosen in Settings.
    bridge = InboxBridge(window)
    bridge.http_received.connect(inbox_page.add_http_request)
    bridge.email_received.connect(inbox_page.add_email)
    inbox_page.set_history(app.workspace.inbox.list_http(), app.workspace.inbox.list_email())
    servers: dict[str, Any] = {}

    def ports() -> tuple[int, int]:
        return (int(settings.value("inbox/http_port", LOCAL_HTTP_PORT)),
                int(settings.value("inbox/smtp_port", LOCAL_SMTP_PORT)))

    def body_limit_mb() -> int:
        return int(settings.value("inbox/max_body_mb", 10))

    def start_inbox() -> None:
        http_port, smtp_port = ports()
        recorder = service.inbox_recorder(on_http=bridge.http_sink, on_email=bridge.mail_sink)
        limits = InboxLimits(max_body_bytes=body_limit_mb() * 1024 * 1024)
        http = HttpInbox(inbox_page.current_script(), sink=recorder.http, port=http_port, limits=limits)
        smtp = SmtpCatcher(sink=recorder.email, port=smtp_port)
        try:
            http.start()
            try:
                smtp.start()
            except Exception:
                http.stop()
                raise
        except Exception as exc:
            inbox_page.set_receiver_state(False, None, None)
            QMessageBox.warning(window, "Local inbox", f"Could not start the local inbox: {exc}\n"
                                "Choose other ports in Settings.")
            return
        servers.update(http=http, smtp=smtp)
        inbox_page.set_receiver_state(True, http.port, smtp.port)
        window.show_status(f"Local inbox listening on http://127.0.0.1:{http.port}/ and "
                           f"SMTP 127.0.0.1:{smtp.port}")

    def stop_inbox() -> None:
        for server in servers.values():
            server.stop()
        servers.clear()
        inbox_page.set_receiver_state(False, None, None)

    def on_script_changed(_text: str, script: Any) -> None:
        if "http" in servers:
            servers["http"].set_script(script)

    def on_ports_changed(http_port: int, smtp_port: int) -> None:
        settings.setValue("inbox/http_port", http_port)
        settings.setValue("inbox/smtp_port", smtp_port)
        if servers:
            stop_inbox()
            start_inbox()

    inbox_page.start_requested.connect(start_inbox)
    inbox_page.stop_requested.connect(stop_inbox)
    inbox_page.script_changed.connect(on_script_changed)
    inbox_page.cleared.connect(app.workspace.inbox.clear)
    def on_body_limit_changed(megabytes: int) -> None:
        settings.setValue("inbox/max_body_mb", megabytes)

    settings_page.inbox_body_limit_changed.connect(on_body_limit_changed)
    settings_page.inbox_ports_changed.connect(on_ports_changed)
    settings_page.set_inbox_ports(*ports())
    settings_page.set_inbox_body_limit(body_limit_mb())

    def confirm_close() -> bool:
        busy = jobs.labels_in_flight()
        if not busy:
            return True
        answer = QMessageBox.question(
            window, "Deliveries in flight",
            f"{len(busy)} background task(s) are still running ({', '.join(sorted(set(busy)))}).\n"
            "Quit anyway? Pending retries are kept and resume on the next start.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    window.add_close_guard(confirm_close)
    app.services["closers"] = [retry_timer.stop, stop_inbox, *app.services.get("closers", []),
                               service.close]


LOCAL_HTTP_PORT = 8765
LOCAL_SMTP_PORT = 2525


def _show_about(window: QWidget, workspace_path: Path, secrets_location: str, settings: QSettings) -> None:
    from PySide6.QtCore import Qt

    from postback_studio.ui.about_dialog import AboutDialog, about_info
    from postback_studio.ui.app_identity import application_icon

    dialog = AboutDialog(about_info(workspace_path, secrets_location, settings.fileName()),
                         application_icon(), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


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

    import gc

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from postback_studio.storage import WorkspaceError
    from postback_studio.storage.ownership import WorkspaceInUseError
    from postback_studio.ui.app_identity import apply_identity

    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    apply_identity(qapp)
    try:
        app = build_application(workspace)
    except WorkspaceInUseError as exc:
        print(f"postback-studio: cannot open the desktop app: {exc}; {exc.advice}, "
              "or use --workspace for another file", file=sys.stderr)
        return 2
    except WorkspaceError as exc:
        print(f"postback-studio: {exc}", file=sys.stderr)
        return 2
    app.window.show()
    templates = app.pages["Templates"]
    QTimer.singleShot(0, templates.offer_recoveries)  # type: ignore[attr-defined]
    # Everything built so far lives as long as the app: keep it out of the collector's full passes,
    # which otherwise cost ~50 ms stalls while typing (benchmarks/ui.py measures both ways).
    gc.collect()
    gc.freeze()
    try:
        return int(qapp.exec())
    finally:
        app.close()
