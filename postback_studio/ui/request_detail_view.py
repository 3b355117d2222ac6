"""One attempt of the Requests page in four panes, and the other attempts of its delivery.

Every pane is filled from ``core.request_detail.describe``: the view only places text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.body_view import pretty_text
from postback_studio.core.request_detail import describe
from postback_studio.core.requestlog import Channel, RequestRecord
from postback_studio.ui.code_view import BodyView, CodeView, column, side_by_side
from postback_studio.ui.requests_table import ID_ROLE
from postback_studio.ui.tones import TONE_ROLE, Tone, ToneDelegate, emphasize, set_tone


class RequestDetailView(QWidget):
    """The four panes of one attempt, and the other attempts of its delivery.

    Signals:
        attempt_chosen(int): the user picked another attempt of the delivery (its log id).
    """

    attempt_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._attempts: list[RequestRecord] = []
        self.title = QLabel("Select a request to see its payload, processing, request and response.")
        self.title.setWordWrap(True)
        self.attempts = QListWidget()
        self.attempts.setItemDelegate(ToneDelegate(self.attempts))
        self.attempts.setMaximumWidth(260)
        self.attempts.setToolTip("Every attempt of this delivery; click one to show it")
        self.attempts.itemClicked.connect(self._on_attempts_item_clicked)

        self.payload = BodyView("Input payload (the order event)")
        self.rendered = BodyView("Rendered output")
        self.diagnostics = CodeView("No diagnostics: the template rendered cleanly")
        self._fit_diagnostics(0)
        processing = QWidget()
        processing_layout = QVBoxLayout(processing)
        processing_layout.addWidget(self.rendered, 3)
        processing_layout.addWidget(QLabel("<b>Diagnostics</b>"))
        processing_layout.addWidget(self.diagnostics, 1)

        self.request_line = QLabel()
        self.request_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.request_headers = CodeView("No headers")
        self.request_body = BodyView("Body (exact bytes as sent)")
        self.signed_title = QLabel("<b>Signed content</b> (id.timestamp.body) and signature")
        self.signed_title.setWordWrap(True)
        self.signed = CodeView()
        headers_title = QLabel("<b>Headers</b> (secret values are stored redacted)")
        headers_title.setWordWrap(True)
        meta = column(headers_title, (self.request_headers, 1), self.signed_title, (self.signed, 1))
        request = column(self.request_line, (side_by_side(meta, self.request_body), 1), margins=True)

        self.response_line = QLabel()
        self.error = QLabel()
        self.error.setWordWrap(True)
        set_tone(emphasize(self.error), Tone.ERROR)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.response_headers = CodeView("No response headers")
        self.response_body = BodyView("Body")
        self.smtp_title = QLabel("<b>SMTP conversation</b>")
        self.smtp = CodeView("No SMTP conversation was recorded")
        self.response_headers_title = QLabel("<b>Headers</b>")
        answer = column(
            self.response_headers_title, (self.response_headers, 1), self.smtp_title, (self.smtp, 2)
        )
        response = column(
            self.response_line, self.error, (side_by_side(answer, self.response_body), 1), margins=True
        )

        self.tabs = QTabWidget()
        self.tabs.addTab(self.payload, "Original payload")
        self.tabs.addTab(processing, "Template processing")
        self.tabs.addTab(request, "Final request")
        self.tabs.addTab(response, "Response")

        attempts_box = QWidget()
        attempts_layout = QVBoxLayout(attempts_box)
        attempts_layout.setContentsMargins(0, 0, 0, 0)
        attempts_layout.addWidget(QLabel("<b>Attempts of this delivery</b>"))
        attempts_layout.addWidget(self.attempts, 1)
        body = QHBoxLayout()
        body.addWidget(self.tabs, 1)
        body.addWidget(attempts_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(body, 1)
        self.setEnabled(False)

    def clear(self) -> None:
        """Show nothing: the entry on show is no longer among the rows (the filter changed)."""
        self._attempts = []
        self.attempts.clear()
        self.title.setText("Select a request to see its payload, processing, request and response.")
        for view in (self.payload, self.rendered, self.request_body, self.response_body):
            view.set_body("", None)
        for code in (self.diagnostics, self.request_headers, self.signed, self.response_headers, self.smtp):
            code.clear()
        for label in (self.request_line, self.response_line, self.error):
            label.clear()
        self.setEnabled(False)

    def show_record(self, record: RequestRecord, attempts: Sequence[RequestRecord] = ()) -> None:
        """Fill the panes from ``record``; list ``attempts`` (all attempts of its delivery)."""
        if attempts:
            self._attempts = list(attempts)
        self.setEnabled(True)
        detail = describe(record)
        self.title.setText(f"<b>{detail.title}</b> · delivery {record.delivery_id}")
        self.payload.set_body(detail.payload, None, "json")
        self.rendered.set_body(detail.rendered_output, pretty_text(detail.rendered_output.encode("utf-8")))
        self.diagnostics.setPlainText("\n".join(detail.diagnostics))
        self._fit_diagnostics(len(detail.diagnostics))
        self.request_line.setText(f"<b>{detail.request_line}</b>")
        self.request_headers.setPlainText(detail.request_headers)
        self.request_body.set_body(detail.request_body, detail.request_body_pretty)
        signed = detail.signed_content is not None
        self.signed_title.setVisible(signed)
        self.signed.setVisible(signed)
        self.signed.setPlainText(f"{detail.signed_content}\n\n{detail.signature_headers}" if signed else "")
        self.response_line.setText(f"<b>{detail.response_line}</b>")
        self.error.setText(detail.error)
        self.error.setVisible(bool(detail.error))
        self.response_headers.setPlainText(detail.response_headers)
        self.response_body.set_body(detail.response_body, pretty_text(detail.response_body.encode("utf-8")))
        is_email = record.channel is Channel.EMAIL
        has_smtp = bool(detail.smtp_transcript) or is_email
        self.smtp_title.setVisible(has_smtp)
        self.smtp.setVisible(has_smtp)
        for widget in (self.response_headers_title, self.response_headers, self.response_body):
            widget.setVisible(not is_email)
        self.smtp.setPlainText(detail.smtp_transcript)
        self._fill_attempts(record)

    def _fit_diagnostics(self, lines: int) -> None:
        """One line when clean, else room for its lines and a wrap (up to five): the output keeps the rest."""
        shown = 1 if lines == 0 else min(lines + 1, 5)
        self.diagnostics.setFixedHeight(self.diagnostics.fontMetrics().lineSpacing() * shown + 16)

    def _fill_attempts(self, current: RequestRecord) -> None:
        self.attempts.clear()
        for attempt in self._attempts:
            status = f" · {attempt.status_label}" if attempt.status_label else ""
            when = datetime.fromtimestamp(attempt.started_at, tz=UTC).strftime("%H:%M:%S")
            item = QListWidgetItem(f"#{attempt.attempt} · {attempt.outcome.label}{status} · {when}")
            item.setData(ID_ROLE, attempt.id)
            item.setData(TONE_ROLE, attempt.outcome.value)
            self.attempts.addItem(item)
            if attempt.id == current.id:
                item.setSelected(True)
                self.attempts.setCurrentItem(item)

    def _on_attempts_item_clicked(self, item: QListWidgetItem) -> None:
        attempt_id = item.data(ID_ROLE)
        chosen = next((a for a in self._attempts if a.id == attempt_id), None)
        if chosen is not None:
            self.show_record(chosen)
            self.attempt_chosen.emit(int(attempt_id))

