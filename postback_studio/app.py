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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QWidget

    from postback_studio.core.render import RenderEngine
    from postback_studio.services.delivery import DeliveryService
    from postback_studio.services.session import Session
    from postback_studio.ui.delivery_controller import DeliveryController
    from postback_studio.ui.import_configuration import ConfigurationImport
    from postback_studio.ui.main_window import MainWindow
    from postback_studio.ui.preferences import Preferences
    from postback_studio.ui.prompts import Prompter
    from postback_studio.ui.templates_page import TemplatesPage
    from postback_studio.ui.theme import ThemeSwitcher
    from postback_studio.ui.workspace_menu import WorkspaceChooser, WorkspaceMenu
    from postback_studio.workers.change_bridge import ChangeBridge
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
    session: Session
    engine: RenderEngine
    jobs: JobRunner
    settings: QSettings
    pages: dict[str, QWidget] = field(default_factory=dict)
    delivery: DeliveryService | None = None
    controller: DeliveryController | None = None
    changes: ChangeBridge | None = None
    workspace_menu: WorkspaceMenu | None = None
    maximise_on_show: bool = False
    importer: ConfigurationImport | None = None
    prompter: Prompter | None = None
    closers: list[Callable[[], object]] = field(default_factory=list)
    #: What start-up left for after the first paint (see ``build_application(defer_pages=True)``).
    pending: list[Callable[[], object]] = field(default_factory=list)

    def finish(self) -> None:
        """Build what start-up left for later (the pages not on show); nothing when all is built."""
        pending, self.pending = self.pending, []
        for step in pending:
            step()

    def when_built(self, step: Callable[[], object]) -> None:
        """Run ``step`` once every page is built: now, or at the end of :meth:`finish`."""
        if self.pending:
            self.pending.append(step)
        else:
            step()

    def show(self) -> None:
        """Show the window: maximised on a first run on a small screen, else as it was left."""
        if self.maximise_on_show:
            self.window.showMaximized()
        else:
            self.window.show()

    def close(self) -> None:
        """Stop background work and release the workspace; safe to call twice.

        Webhook attempts in flight are cut off first (logged as stopped, their retries kept), so
        closing never waits for a receiver that holds its answer. Results that workers queued before
        they stopped are delivered while the workspace is still open (their handlers read it), and
        jobs those handlers start are drained too.
        """
        from PySide6.QtCore import QCoreApplication

        self.window.close_without_asking()
        if self.delivery is not None:
            self.delivery.stop()
        self.jobs.shutdown()
        closers, self.closers = self.closers, []
        for closer in closers:
            closer()
        for _ in range(2):
            QCoreApplication.processEvents()
            self.jobs.shutdown()
        QCoreApplication.processEvents()
        self.jobs.blockSignals(True)
        if self.delivery is not None:
            self.delivery.close()
        if self.changes is not None:
            self.changes.close()
        self.engine.close()
        self.session.close()


def build_application(
    workspace_path: Path,
    *,
    settings: QSettings | None = None,
    session: Session | None = None,
    chooser_factory: Callable[[QWidget], WorkspaceChooser] | None = None,
    defer_pages: bool = False,
    prompter: Prompter | None = None,
) -> Application:
    """Open the workspace and build every service and page around it (a QApplication must exist).

    This function builds and wires; every decision lives in the object it wires: policies in the
    services, delivery in the :class:`DeliveryController`, what a page shows in the page.

    Args:
        workspace_path: The workspace file.
        settings: The app's own settings (default: the user's).
        session: The workspace already opened, and held, by the caller (:class:`Studio` opens it
            before it lets go of the old one); by default it is opened here.
        chooser_factory: Makes what asks the File menu's questions, over the window (default:
            Qt's dialogs).
        defer_pages: Build only the first page (Templates) and the window now, and leave the other
            pages, the delivery service and their wiring to :meth:`Application.finish`, which the
            desktop start calls after the first paint; by default everything is built here.
        prompter: Asks every page's questions (unsaved changes, replace or merge, the import
            preview): Qt's dialogs over the main window by default, a scripted one in tests.
    """
    from functools import partial

    from PySide6.QtCore import QSettings, QThreadPool
    from PySide6.QtWidgets import QApplication, QWidget

    from postback_studio.core.render import RenderEngine
    from postback_studio.services.session import APP_HOLDER, Access, Session
    from postback_studio.ui.main_window import PAGE_NAMES, MainWindow, Page
    from postback_studio.ui.preferences import Preferences
    from postback_studio.ui.prompts import Prompter
    from postback_studio.ui.templates_page import TemplatesPage
    from postback_studio.ui.theme import ThemeSwitcher
    from postback_studio.workers.change_bridge import ChangeBridge
    from postback_studio.workers.jobs import JobRunner

    qapp = QApplication.instance()
    if not isinstance(qapp, QApplication):
        raise RuntimeError("build_application needs a QApplication")
    settings = settings or QSettings()
    preferences = Preferences(settings)
    prompter = prompter or Prompter()

    # Services: one workspace session for the GUI thread, one change bus, the delivery service.
    # The session holds the file exclusive for the app's whole run (Application.close() closes it
    # last); every other connection the app opens joins this hold, and other processes are refused.
    if session is None:
        session = Session.open(workspace_path, access=Access.EXCLUSIVE, holder=APP_HOLDER)
    engine = RenderEngine()
    pool = QThreadPool()
    pool.setMaxThreadCount(max(4, QThreadPool.globalInstance().maxThreadCount()))
    jobs = JobRunner(pool)
    themes = ThemeSwitcher(qapp, preferences.theme)
    themes.apply()  # before the pages are built, so they start in the chosen palette

    # The first page and the window; the other pages stand as empty widgets until built.
    templates = TemplatesPage.for_session(
        session, engine=engine, jobs=jobs, settings=settings, prompter=prompter
    )
    window = MainWindow(
        [Page("Templates", templates, tuple(templates.actions()))]
        + [Page(name, QWidget()) for name in PAGE_NAMES if name != "Templates"],
        workspace_label=str(workspace_path),
        close_guards=[templates.confirm_discard],
        theme=preferences.theme,
    )
    if isinstance(prompter, Prompter):
        prompter.set_parent(window)
    themes.setParent(window)
    changes = ChangeBridge(session.notices, window)
    app = Application(window, session, engine, jobs, settings, {"Templates": templates}, changes=changes,
                      prompter=prompter)
    changes.changed.connect(templates.on_change)
    templates.status_message.connect(window.show_status)
    themes.theme_changed.connect(preferences.set_theme)
    window.theme_chosen.connect(themes.choose)
    window.about_requested.connect(
        partial(_show_about, window, workspace_path, session, settings)
    )
    jobs.activity_changed.connect(window.show_activity)
    jobs.failure_unhandled.connect(window.show_background_error)

    if preferences.geometry is not None:
        window.restoreGeometry(preferences.geometry)
    else:
        _place_first_window(app)

    def save_window_state() -> None:
        preferences.geometry = window.saveGeometry()
        templates.save_state()
        preferences.sync()

    # A closed window's switcher must not answer the desktop's next scheme change (a workspace
    # switch leaves the old window behind until it is collected).
    app.closers = [save_window_state, themes.stop]
    app.pending.append(partial(_build_other_pages, app, workspace_path, preferences, themes,
                               chooser_factory))
    if not defer_pages:
        app.finish()
    return app


def _build_other_pages(
    app: Application,
    workspace_path: Path,
    preferences: Preferences,
    themes: ThemeSwitcher,
    chooser_factory: Callable[[QWidget], WorkspaceChooser] | None,
) -> None:
    """Build every page but Templates, the delivery service and controller, and wire them."""
    from functools import partial

    from PySide6.QtGui import QAction, QKeySequence

    from postback_studio.core.activation import sample_problems
    from postback_studio.core.dispatch.email import test_connection
    from postback_studio.core.dispatch.inbox import ResponseScript
    from postback_studio.core.paths import resources_dir
    from postback_studio.core.reachability import check_destination
    from postback_studio.core.trigger_setup import example_templates
    from postback_studio.services.delivery import DeliveryService
    from postback_studio.services.request_log import RequestLogReader
    from postback_studio.ui.customers_page import CustomersPage
    from postback_studio.ui.delivery_controller import DeliveryController
    from postback_studio.ui.delivery_prompts import DialogPrompts
    from postback_studio.ui.import_configuration import ConfigurationImport
    from postback_studio.ui.inbox_page import InboxPage
    from postback_studio.ui.lookups_page import LookupsPage
    from postback_studio.ui.main_window import FileSection, Page
    from postback_studio.ui.requests_page import RequestsPage
    from postback_studio.ui.settings_page import SettingsPage
    from postback_studio.ui.templates_page import TemplatesPage
    from postback_studio.ui.trigger_form import TriggerForm
    from postback_studio.ui.triggers_page import TriggersPage
    from postback_studio.ui.workspace_menu import DialogWorkspaceChooser, WorkspaceMenu

    session, engine, jobs, window, changes = app.session, app.engine, app.jobs, app.window, app.changes
    prompter = app.prompter
    assert changes is not None and prompter is not None
    templates = app.pages["Templates"]
    assert isinstance(templates, TemplatesPage)
    delivery = DeliveryService.for_workspace(workspace_path, engine, notices=session.notices)

    # Pages, each handed the services it needs.
    examples = example_templates(resources_dir() / "templates")

    def trigger_form() -> TriggerForm:
        return TriggerForm(
            session.triggers,
            session.templates,
            jobs=jobs,
            check_template=partial(sample_problems, engine),
            lookup_set_for=session.lookups.lookup_set_for,
            examples=examples,
            reachability=check_destination,
            customers=session.customers,
            ask_unsaved=prompter.unsaved_changes,
        )

    customer_form, trigger_list_form = trigger_form(), trigger_form()
    customers = CustomersPage(
        session.customers, session.triggers, session.lookups, customer_form, session.templates,
        ask_unsaved=prompter.unsaved_changes,
    )
    triggers = TriggersPage(session.triggers, session.customers, trigger_list_form)
    lookups = LookupsPage(
        session.lookups, session.customers, session.templates, files=session.files, prompter=prompter
    )
    settings_page = SettingsPage(
        session.smtp,
        jobs=jobs,
        test_connection=test_connection,
        secrets_location=session.secrets_location,
        theme=preferences.theme,
        ask_unsaved=prompter.unsaved_changes,
    )
    requests_page = RequestsPage(
        partial(RequestLogReader.open, workspace_path), jobs=jobs, files=session.files
    )
    inbox_page = InboxPage(ResponseScript.parse)
    widgets: dict[str, QWidget] = {
        "Customers": customers,
        "Triggers": triggers,
        "Lookups": lookups,
        "Requests": requests_page,
        "Inbox": inbox_page,
        "Settings": settings_page,
    }
    page_actions = {"Requests": tuple(requests_page.menu_actions)}
    for name, widget in widgets.items():
        window.set_page(Page(name, widget, page_actions.get(name, ())))
    app.pages.update(widgets)
    # Unsaved edits anywhere are asked about before the app closes or an import could change them
    # (the Templates page's guard is the window's first, from start-up).
    unsaved_guards = [templates.confirm_discard, customers.confirm_discard,
                      trigger_list_form.confirm_discard, lookups.unsaved.confirm_discard,
                      settings_page.confirm_discard]
    for guard in unsaved_guards[1:]:
        window.add_close_guard(guard)
    controller = DeliveryController(delivery, jobs, DialogPrompts(window), parent=window)
    workspace_menu = WorkspaceMenu(
        preferences,
        (chooser_factory or DialogWorkspaceChooser)(window),
        current=workspace_path,
        customers=lambda: sorted(c.name for c in session.customers.list()),
        export=session.transfer.export_to_file,
        check_output=session.files.check_output,
        parent=window,
    )
    for action in workspace_menu.workspace_actions:
        window.add_file_action(action, FileSection.WORKSPACE)
    window.add_file_action(workspace_menu.export_action, FileSection.CONFIGURATION)
    workspace_menu.status_message.connect(window.show_status)
    importer = ConfigurationImport(
        session.transfer, session.files, jobs, prompter,
        confirm_discard=lambda: all(guard() for guard in unsaved_guards), parent=window,
    )
    app.delivery, app.controller, app.workspace_menu = delivery, controller, workspace_menu
    app.importer = importer

    # Every page, list and combo reloads what it shows when the services announce a change to it.
    for listener in (customers, triggers, lookups, requests_page, settings_page,
                     customer_form, trigger_list_form):
        changes.changed.connect(listener.on_change)

    # Delivery: Send Test, Resend, Simulate, cancelling retries, the SMTP test email, the inbox.
    for form in (customer_form, trigger_list_form):
        form.send_test_requested.connect(controller.send_test)
        form.cancel_test_requested.connect(controller.cancel_test)
        controller.test_progressed.connect(form.send_test.on_status)
        form.template_created.connect(partial(_open_template, window, templates))
    requests_page.resend_requested.connect(controller.resend)
    requests_page.cancel_retries_requested.connect(controller.cancel_retries_of)
    settings_page.test_email_requested.connect(controller.send_test_email)
    controller.test_email_finished.connect(settings_page.on_test_email_result)
    controller.status_changed.connect(window.show_status)
    controller.simulation_started.connect(partial(window.show_page, "Requests"))
    simulate = QAction("Simulate Order Events…", window, shortcut=QKeySequence("Ctrl+Shift+M"))
    simulate.triggered.connect(controller.simulate)
    cancel_all = QAction("Cancel All Pending Retries…", window)
    cancel_all.triggered.connect(controller.cancel_all_retries)
    for action in (simulate, cancel_all):
        window.add_menu_action("&Tools", action)
    controller.set_inbox_ports(*preferences.inbox_ports)
    inbox_page.set_history(session.inbox.list_http(), session.inbox.list_email())
    inbox_page.start_requested.connect(lambda: controller.start_inbox(inbox_page.current_script()))
    inbox_page.stop_requested.connect(controller.stop_inbox)
    inbox_page.script_changed.connect(lambda _text, script: controller.set_inbox_script(script))
    inbox_page.cleared.connect(session.inbox.clear)
    controller.inbox_state_changed.connect(inbox_page.set_receiver_state)
    controller.http_received.connect(inbox_page.add_http_request)
    controller.email_received.connect(inbox_page.add_email)
    settings_page.inbox_ports_changed.connect(controller.set_inbox_ports)
    controller.inbox_ports_changed.connect(preferences.set_inbox_ports)
    settings_page.set_inbox_ports(*preferences.inbox_ports)
    controller.set_inbox_body_limit(preferences.inbox_body_mb)
    settings_page.set_inbox_body_limit(preferences.inbox_body_mb)
    settings_page.inbox_body_limit_changed.connect(preferences.set_inbox_body_mb)
    settings_page.inbox_body_limit_changed.connect(controller.set_inbox_body_limit)
    window.add_close_guard(controller.confirm_close)

    # File > Import Configuration…: a preview of what the bundle changes, then Apply or Cancel.
    import_configuration = QAction("&Import Configuration…", window)
    import_configuration.triggered.connect(lambda _checked=False: importer.run())
    window.add_file_action(import_configuration, FileSection.CONFIGURATION)
    importer.status_message.connect(window.show_status)

    # Navigation between pages, the theme, the status bar, background errors.
    lookups.template_requested.connect(partial(_open_template, window, templates))
    customers.lookup_table_requested.connect(lambda table_id: (lookups.select_table(table_id),
                                                               window.show_page("Lookups")))
    # Every save says so in the status bar (and beside its Save button).
    for page in (customers, lookups, settings_page, customer_form, trigger_list_form):
        page.status_message.connect(window.show_status)
    themes.theme_changed.connect(settings_page.set_theme)
    settings_page.theme_chosen.connect(themes.choose)
    themes.apply()
    app.closers[:0] = [controller.close]
    app.closers.insert(-1, requests_page.wait_for_workers)  # before the theme switcher stops


def _place_first_window(app: Application) -> None:
    """Size the window to fit the screen on a first run (maximised on a small screen)."""
    from PySide6.QtGui import QGuiApplication

    from postback_studio.core.window_size import first_window

    screen = app.window.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry()
    placement = first_window(room.width(), room.height())
    app.window.resize(placement.width, placement.height)
    app.maximise_on_show = placement.maximised


def _open_template(window: MainWindow, templates: TemplatesPage, template_id: int) -> None:
    """Show the Templates page with ``template_id`` in the editor (from a trigger or a lookup table)."""
    templates.refresh_library()
    window.show_page("Templates")
    templates.open_template(template_id)


def _show_about(window: QWidget, workspace_path: Path, session: Session, settings: QSettings) -> None:
    from PySide6.QtCore import Qt

    from postback_studio.ui.about_dialog import AboutDialog, about_info
    from postback_studio.ui.app_identity import application_icon

    dialog = AboutDialog(about_info(workspace_path, session.secrets_location, settings.fileName()),
                         application_icon(), window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


class Studio:
    """The desktop app over one workspace at a time; File > New and Open move it to another.

    Switching builds a whole new :class:`Application` on the other file rather than swapping the
    session inside the pages: every page, list, form, job runner, render engine and delivery
    service is built for exactly one workspace, so a rebuilt app cannot show a stale row, send
    through the old file's writer or resume the old file's retries. The switch keeps the old
    workspace open until the new one is held: a file another process holds, or one that is not a
    workspace, is refused with its message and the old workspace stays as it was. Unsaved edits and
    deliveries in flight are asked about (the window's close guards) before the old one closes.
    """

    def __init__(
        self,
        settings: QSettings,
        *,
        chooser_factory: Callable[[QWidget], WorkspaceChooser] | None = None,
        prompter: Prompter | None = None,
    ) -> None:
        from postback_studio.ui.preferences import Preferences

        self.settings = settings
        self.preferences = Preferences(settings)
        self._chooser_factory = chooser_factory  # None: Qt's dialogs (see build_application)
        self._prompter = prompter  # the pages' questions (default: Qt's dialogs over each window)
        self.app: Application | None = None
        self._chooser: WorkspaceChooser | None = None

    def start(self, workspace: Path, *, defer_pages: bool = False) -> Application:
        """Build the app on ``workspace`` (raising what opening it raises: in use, not a workspace).

        ``defer_pages``: leave all but the first page to ``app.finish()`` (see :func:`build_application`).
        """
        self.app = self._build(workspace, None, defer_pages=defer_pages)
        return self.app

    def _build(self, workspace: Path, session: Session | None, *, defer_pages: bool = False) -> Application:
        app = build_application(workspace, settings=self.settings, session=session,
                                chooser_factory=self._chooser_factory, defer_pages=defer_pages,
                                prompter=self._prompter)
        self.preferences.remember_workspace(workspace)
        app.when_built(lambda: self._adopt_menu(app))
        return app

    def _adopt_menu(self, app: Application) -> None:
        """Answer the File menu's New and Open of ``app`` (once its menu is built)."""
        assert app.workspace_menu is not None
        self._chooser = app.workspace_menu.chooser
        app.workspace_menu.open_requested.connect(self.open_workspace)
        app.workspace_menu.new_requested.connect(lambda path: self.open_workspace(path, create=True))
        app.workspace_menu.fill_recent()

    def open_workspace(self, path: Path, *, create: bool = False) -> bool:
        """Close the workspace on show and open ``path`` (``create``: a new, empty workspace there).

        Returns:
            True when ``path`` is now open; False when it was refused or the user kept the old one.
        """
        from postback_studio.core.errors import WorkspaceError
        from postback_studio.core.recent import same_file
        from postback_studio.services.session import APP_HOLDER, Access, Session, WorkspaceInUseError

        current = self.app
        assert current is not None and self._chooser is not None
        path = path.expanduser()
        title = "New Workspace" if create else "Open Workspace"
        stays = f"{current.session.path} stays open."
        if same_file(path, current.session.path):
            current.window.show_status(f"{path} is already open")
            return False
        if create and path.exists():
            self._chooser.error(title, f"{path} already exists: open it with File > Open Workspace…, "
                                       "or choose a new name.")
            return False
        if not create and not path.is_file():
            self.preferences.forget_workspace(path)
            self._chooser.error(title, f"{path}: no such file. {stays}")
            return False
        # A new file cannot be held by anyone yet: ask first. An existing one is taken first, so a
        # refusal comes before anything of the old workspace is given up.
        if create and not current.window.confirm_close():
            return False
        try:
            session = Session.open(path, seed=False, access=Access.EXCLUSIVE, holder=APP_HOLDER)
        except WorkspaceInUseError as exc:
            self._chooser.error(title, f"{exc}; {exc.advice}. {stays}")
            return False
        except (WorkspaceError, OSError) as exc:
            self._chooser.error(title, f"{path}: {exc}\n\n{stays}")
            return False
        if not create and not current.window.confirm_close():
            session.close()
            return False
        try:
            app = self._build(path, session)
        except BaseException:
            session.close()
            raise
        app.window.restoreGeometry(current.window.saveGeometry())
        app.window.show()
        current.close()
        self.app = app
        app.window.show_status(f"{'Created' if create else 'Opened'} {path}")
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, app.pages["Templates"].offer_recoveries)  # type: ignore[attr-defined]
        return True

    def close(self) -> None:
        """Close the workspace on show and everything built on it."""
        if self.app is not None:
            self.app.close()


def _freeze_start_up_objects() -> None:
    """Everything built at start-up lives as long as the app: keep it out of the collector's full
    passes, which otherwise cost ~50 ms stalls while typing (benchmarks/ui.py measures both ways).

    The collection takes a fifth of a second, so it runs after the first paint.
    """
    import gc

    gc.collect()
    gc.freeze()


def run_gui(workspace: Path) -> int:
    """Open the desktop application on ``workspace`` and run until the window closes."""
    reason = gui_unavailable_reason()
    if reason is not None:
        print(f"postback-studio: cannot open the desktop app: {reason}", file=sys.stderr)
        return 2

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from postback_studio.core.errors import WorkspaceError
    from postback_studio.services.session import WorkspaceInUseError
    from postback_studio.ui.app_identity import apply_identity
    from postback_studio.ui.first_paint import after_first_paint

    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    apply_identity(qapp)
    studio = Studio(QSettings())
    try:
        app = studio.start(workspace, defer_pages=True)
    except WorkspaceInUseError as exc:
        print(f"postback-studio: cannot open the desktop app: {exc}; {exc.advice}, "
              "or use --workspace for another file", file=sys.stderr)
        return 2
    except WorkspaceError as exc:
        print(f"postback-studio: {exc}", file=sys.stderr)
        return 2
    app.show()
    # The window and its first page show first; the other pages are built once it has painted.
    after_first_paint(app.window, app.finish)
    templates = app.pages["Templates"]
    QTimer.singleShot(0, templates.offer_recoveries)  # type: ignore[attr-defined]
    after_first_paint(app.window, _freeze_start_up_objects)
    try:
        return int(qapp.exec())
    finally:
        studio.close()
