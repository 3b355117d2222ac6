"""The Inbox page: what the local HTTP receiver and SMTP catcher received, as it arrives.

The receiver and the catcher run in the dispatch core; the composition root forwards each arrival
to :meth:`InboxPage.add_http_request` / :meth:`InboxPage.add_email` (on the GUI thread) and wires
the page's requests (start, stop, a new response script) back to them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.body_view import format_headers
from postback_studio.core.inbox_view import (
    HttpView,
    MailView,
    ReceivedHttp,
    ReceivedMail,
    script_step,
    view_http,
    view_mail,
)
from postback_studio.ui.code_view import BodyView, CodeView, column, side_by_side
from postback_studio.ui.email_preview import EmailPreview
from postback_studio.ui.tones import TONE_ROLE, Tone, ToneDelegate, set_tone

#: Parses a response script such as ``"503x2, 200"``; raises ValueError with a message that says
#: what is wrong (``core.dispatch.inbox.ResponseScript.parse``).
ScriptParser = Callable[[str], object]



class ScriptEditor(QGroupBox):
    """Edits the HTTP receiver's scripted responses: the script text and a builder for one step.

    Signals:
        script_changed(str, object): the script text and its parsed value, after Apply.
    """

    script_changed = Signal(str, object)

    def __init__(self, parse_script: ScriptParser, parent: QWidget | None = None) -> None:
        super().__init__("Receiver responses", parent)
        self._parse = parse_script
        self.script = QLineEdit("200")
        self.script.setPlaceholderText("e.g. 503x2, 200   (the last step repeats)")
        self.script.setToolTip(
            "One step per comma: STATUS[xCOUNT] [delay=SECONDS] [retry-after=VALUE] [header:NAME=VALUE]"
        )
        self.script.returnPressed.connect(self.apply)
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self.apply)
        self.status = QSpinBox()
        self.status.setRange(100, 599)
        self.status.setValue(503)
        self.times = QSpinBox()
        self.times.setRange(1, 1000)
        self.times.setPrefix("× ")
        self.delay = QDoubleSpinBox()
        self.delay.setRange(0.0, 120.0)
        self.delay.setSuffix(" s delay")
        self.delay.setDecimals(1)
        self.retry_after = QLineEdit()
        self.retry_after.setPlaceholderText("Retry-After")
        self.retry_after.setMaximumWidth(90)
        self.header = QLineEdit()
        self.header.setPlaceholderText("Header: value")
        self.add_step_button = QPushButton("Add step")
        self.add_step_button.clicked.connect(self._on_add_step_clicked)
        self.message = QLabel()
        self.message.setWordWrap(True)

        script_row = QHBoxLayout()
        script_row.addWidget(QLabel("Script"))
        script_row.addWidget(self.script, 1)
        script_row.addWidget(self.apply_button)
        builder = QHBoxLayout()
        for widget in (self.status, self.times, self.delay, self.retry_after, self.header):
            builder.addWidget(widget)
        builder.addWidget(self.add_step_button)
        layout = QVBoxLayout(self)
        layout.addLayout(script_row)
        layout.addLayout(builder)
        layout.addWidget(self.message)

    def _on_add_step_clicked(self) -> None:
        step = script_step(
            self.status.value(),
            self.times.value(),
            self.delay.value(),
            self.retry_after.text(),
            self.header.text(),
        )
        current = self.script.text().strip()
        self.script.setText(f"{current}, {step}" if current else step)

    def current(self) -> object | None:
        """The script as typed, parsed; None when it does not parse (the receiver then answers 200)."""
        try:
            return self._parse(self.script.text().strip())
        except ValueError:
            return None

    def apply(self) -> None:
        """Parse the script; emit ``script_changed`` when it is valid, else show why not."""
        text = self.script.text().strip()
        try:
            parsed = self._parse(text)
        except ValueError as error:
            set_tone(self.message, Tone.ERROR)
            self.message.setText(f"Not applied: {error}")
            return
        set_tone(self.message, None)
        self.message.setText(f"Answering: {text}")
        self.script_changed.emit(text, parsed)


class InboxPage(QWidget):
    """Received HTTP requests and emails, newest first, with their exact content.

    Args:
        parse_script: Parses the receiver's response script (``ResponseScript.parse``).

    Signals:
        script_changed(str, object): a new response script for the HTTP receiver (text, parsed).
        start_requested(): the user wants the receiver and the catcher running.
        stop_requested(): the user wants them stopped.
        cleared(): the user cleared the lists (the lead may clear ``ws.inbox`` too).
        request_shown(int): the HTTP detail shows the request at this list position.
        email_shown(int): the email detail shows the message at this list position.
    """

    script_changed = Signal(str, object)
    start_requested = Signal()
    stop_requested = Signal()
    cleared = Signal()
    request_shown = Signal(int)
    email_shown = Signal(int)

    def __init__(self, parse_script: ScriptParser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._requests: list[HttpView] = []
        self._emails: list[MailView] = []
        self._running = False

        self.state = QLabel()
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.start_stop = QPushButton("Start")
        self.start_stop.clicked.connect(self._on_start_stop_clicked)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(lambda _checked=False: self.clear())
        top = QHBoxLayout()
        top.addWidget(self.state, 1)
        top.addWidget(self.start_stop)
        top.addWidget(self.clear_button)

        self.script_editor = ScriptEditor(parse_script)
        self.script_editor.script_changed.connect(self.script_changed.emit)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_http_tab(), "HTTP")
        self.tabs.addTab(self._build_email_tab(), "Email")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self.set_receiver_state(False, None, None)
        self._update_tab_titles()

    def _build_http_tab(self) -> QWidget:
        self.http_list = self._wrapping(QListWidget())
        self.http_list.setItemDelegate(ToneDelegate(self.http_list))
        self.http_list.setToolTip("Requests the local HTTP receiver got, newest first")
        self.http_list.currentRowChanged.connect(self._on_http_list_current_row_changed)
        self.http_request_line = QLabel("Nothing received yet. Send a test postback to the local inbox.")
        self.http_request_line.setWordWrap(True)
        self.http_request_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.http_headers = CodeView("No headers")
        self.http_headers.setMaximumHeight(140)
        self.http_body = BodyView("Body (exact bytes received)")
        detail = column(
            self.http_request_line, QLabel("<b>Headers</b>"), self.http_headers, (self.http_body, 1)
        )
        return column(self.script_editor, (side_by_side(self.http_list, detail, (380, 800)), 1), margins=True)

    def _build_email_tab(self) -> QWidget:
        self.email_list = self._wrapping(QListWidget())
        self.email_list.setToolTip("Messages the local SMTP catcher got, newest first")
        self.email_list.currentRowChanged.connect(self._on_email_list_current_row_changed)
        self.email_envelope = QLabel("No email received yet.")
        self.email_envelope.setWordWrap(True)
        self.email_envelope.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.email_preview = EmailPreview()
        self.email_text = CodeView("No text part")
        self.email_headers = CodeView()
        self.email_raw = CodeView()
        self.email_tabs = QTabWidget()
        self.email_tabs.addTab(self.email_preview, "HTML preview")
        self.email_tabs.addTab(self.email_text, "Text part")
        self.email_tabs.addTab(self.email_headers, "Headers")
        self.email_tabs.addTab(self.email_raw, "Raw source")
        detail = column(self.email_envelope, (self.email_tabs, 1))
        return side_by_side(self.email_list, detail, (380, 800))

    # Public slots -------------------------------------------------------------------------------

    def add_http_request(self, request: ReceivedHttp) -> None:
        """Show a request the receiver just got, on top; it is selected if the user had none."""
        view = view_http(request)
        self._requests.insert(0, view)
        item = QListWidgetItem(view.listing)
        item.setToolTip(view.summary)
        if view.status is not None and view.status >= 400:
            item.setData(TONE_ROLE, Tone.ERROR.value)
        self._put_on_top(self.http_list, item)

    def add_email(self, message: ReceivedMail) -> None:
        """Show a message the catcher just got, on top; it is selected if the user had none."""
        view = view_mail(message)
        self._emails.insert(0, view)
        item = QListWidgetItem(view.listing)
        item.setToolTip(view.summary)
        self._put_on_top(self.email_list, item)

    @staticmethod
    def _wrapping(listing: QListWidget) -> QListWidget:
        """A list whose long lines wrap to its width instead of running off behind a scrollbar."""
        listing.setWordWrap(True)
        listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        listing.setResizeMode(QListWidget.ResizeMode.Adjust)
        return listing

    def _put_on_top(self, listing: QListWidget, item: QListWidgetItem) -> None:
        # Follow new arrivals only when the user is on the newest one (or none); otherwise keep
        # the item they are reading selected (Qt shifts the current row with the insertion).
        follow = listing.currentRow() <= 0
        listing.insertItem(0, item)
        if follow:
            listing.setCurrentRow(0)
        self._update_tab_titles()

    def set_history(self, requests: Sequence[ReceivedHttp], emails: Sequence[ReceivedMail]) -> None:
        """Replace the lists with what the workspace kept, newest first as ``ws.inbox`` lists it.

        Called at start-up with ``ws.inbox.list_http()`` and ``ws.inbox.list_email()``.
        """
        self.clear(announce=False)
        for request in reversed(requests):
            self.add_http_request(request)
        for message in reversed(emails):
            self.add_email(message)

    def current_script(self) -> object | None:
        """The response script the receiver should start with."""
        return self.script_editor.current()

    def set_receiver_state(self, running: bool, http_port: int | None, smtp_port: int | None) -> None:
        """Say whether the receiver and the catcher run, and on which ports."""
        self._running = running
        if running:
            http = f"127.0.0.1:{http_port}" if http_port else "off"
            smtp = f"127.0.0.1:{smtp_port}" if smtp_port else "off"
            self.state.setText(f"<b>Running</b> · HTTP receiver {http} · SMTP catcher {smtp}")
        else:
            self.state.setText("<b>Stopped</b> · the local HTTP receiver and SMTP catcher are not running")
        self.start_stop.setText("Stop" if running else "Start")

    def clear(self, announce: bool = True) -> None:
        """Empty both lists and the details."""
        self._requests.clear()
        self._emails.clear()
        self.http_list.clear()
        self.email_list.clear()
        for view in (self.http_headers, self.email_text, self.email_headers, self.email_raw):
            view.clear()
        self.http_body.set_body("", None)
        self.email_preview.set_html("")
        self._update_tab_titles()
        if announce:
            self.cleared.emit()

    # Reactions ----------------------------------------------------------------------------------

    def _update_tab_titles(self) -> None:
        self.tabs.setTabText(0, f"HTTP ({len(self._requests)})")
        self.tabs.setTabText(1, f"Email ({len(self._emails)})")

    def _on_start_stop_clicked(self) -> None:
        (self.stop_requested if self._running else self.start_requested).emit()

    def _on_http_list_current_row_changed(self, row: int) -> None:
        if not 0 <= row < len(self._requests):
            return
        view = self._requests[row]
        answered = f" → answered {view.answer}" if view.answer else ""
        self.http_request_line.setText(f"<b>{view.request_line}</b>{answered}")
        self.http_headers.setPlainText(view.headers)
        self.http_body.set_body(view.body, view.pretty_body)
        self.request_shown.emit(row)

    def _on_email_list_current_row_changed(self, row: int) -> None:
        if not 0 <= row < len(self._emails):
            return
        view = self._emails[row]
        parts = view.parts
        self.email_envelope.setText(f"<b>{parts.subject or '(no subject)'}</b> · from {parts.sender}")
        self.email_envelope.setToolTip(view.envelope)
        self.email_preview.set_html(parts.html)
        self.email_text.setPlainText(parts.text)
        self.email_headers.setPlainText(f"{view.envelope}\n\n{format_headers(parts.headers)}")
        self.email_raw.setPlainText(parts.raw)
        self.email_tabs.setTabText(0, "HTML preview" if parts.html else "HTML preview (none)")
        self.email_tabs.setTabText(1, "Text part" if parts.text else "Text part (none)")
        self.email_shown.emit(row)
