"""The Requests page: every delivery attempt, filtered, searched, summarised and inspected.

The table model loads lazily (``canFetchMore``/``fetchMore``) in keyset pages of newest-first rows,
and every query, including each page, runs on a worker with its own connection, so the GUI never
waits on SQLite even with a million entries. Results carry a generation number; a result for an
older filter is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QDateTime,
    QModelIndex,
    Qt,
    QTimer,
    QTimeZone,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from postback_studio.core.errors import StudioError
from postback_studio.core.model import Event
from postback_studio.core.request_export import export_csv, export_json
from postback_studio.core.requestlog import Outcome, RequestRecord
from postback_studio.core.requests_view import (
    RequestFilter,
    RequestSummary,
    TimeRange,
    resolve_time_range,
)
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.services.files import UserFiles
from postback_studio.services.request_log import FilterChoices
from postback_studio.ui.outcome_chart import SummaryStrip
from postback_studio.ui.request_detail_view import RequestDetailView
from postback_studio.ui.requests_table import (
    COLUMNS,
    ELASTIC_COLUMNS,
    FIXED_COLUMN_SAMPLES,
    HIDE_ORDER,
    PAGE_SIZE,
    RequestTableModel,
)
from postback_studio.ui.table_fit import ColumnFitter, ColumnPlan, text_width
from postback_studio.ui.tones import Tone, ToneDelegate, emphasize, set_tone
from postback_studio.workers.jobs import JobRunner
from postback_studio.workers.requests_loader import RequestsLoader, SourceFactory

__all__ = ["COLUMNS", "PAGE_SIZE", "RequestDetailView", "RequestTableModel", "RequestsPage"]

#: Refreshes asked for within this many milliseconds are coalesced into one query.
REFRESH_COALESCE_MS = 250
SEARCH_DEBOUNCE_MS = 300


class RequestsPage(QWidget):
    """The request log with filters, search, a summary strip, the detail view, Resend and Export.

    Args:
        open_source: Opens a new read connection to the request log; called on worker threads.
        jobs: The app's job runner; every query runs there as a quiet job.
        files: Writes the exports, never over the workspace.
        clock: Seconds since the epoch; the time-range presets count back from it.

    Signals:
        resend_requested(list): the user asked to resend these log ids.
        cancel_retries_requested(list): the user wants the waiting retries of the deliveries of
            these log ids cancelled.
        detail_shown(int): the detail view now shows this log id.
        summary_updated(object): fresh counts (``RequestSummary``) for the current filter.
        export_finished(str): the selection was written to this path.
        error_shown(str): a query or export failed; the message is also shown on the page.
    """

    resend_requested = Signal(list)
    cancel_retries_requested = Signal(list)
    detail_shown = Signal(int)
    summary_updated = Signal(object)
    export_finished = Signal(str)
    error_shown = Signal(str)

    def __init__(
        self,
        open_source: SourceFactory,
        *,
        jobs: JobRunner,
        files: UserFiles,
        clock: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._files = files
        self.loader = RequestsLoader(open_source, jobs, self)
        self._summary_generation = -1
        self._detail_generation = -1
        self._export_generation = -1
        self._export_target: tuple[Path, str] | None = None
        self.loader.summary_loaded.connect(self._on_loader_summary_loaded)
        self.loader.records_loaded.connect(self._on_loader_records_loaded)
        self.loader.failed.connect(self._on_loader_failed)
        self.loader.choices_loaded.connect(self._on_loader_choices_loaded)
        self._choices_generation = -1

        self._build_filters()
        self.summary = SummaryStrip()
        self.error = QLabel()
        self.error.setWordWrap(True)
        set_tone(emphasize(self.error), Tone.ERROR)
        self.error.hide()

        self.model = RequestTableModel(self.loader, self)
        self.model.load_failed.connect(self._show_error)
        self.model.rows_prepended.connect(self._on_model_rows_prepended)
        self.model.rows_appended.connect(self._on_model_rows_appended)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(ToneDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(False)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)
        fixed = {column: text_width(self.table, COLUMNS[column], *samples)
                 for column, samples in FIXED_COLUMN_SAMPLES.items()}
        self.column_fitter = ColumnFitter(self.table, self.table.horizontalHeader(),
                                          ColumnPlan(fixed, ELASTIC_COLUMNS, HIDE_ORDER))
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.detail = RequestDetailView()
        self.detail.attempt_chosen.connect(self.detail_shown.emit)

        self.resend_action = QAction("Resend", self)
        self.resend_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.resend_action.setToolTip("Send the selected requests again (new deliveries, same payload)")
        self.resend_action.triggered.connect(self._on_resend_triggered)
        self.cancel_retries_action = QAction("Cancel Retries of Selected Deliveries…", self)
        self.cancel_retries_action.setToolTip("Do not make the waiting retries of the selected deliveries")
        self.cancel_retries_action.triggered.connect(
            lambda: self.cancel_retries_requested.emit(self.selected_ids())
        )
        self.export_json_action = QAction("Export Selection as JSON…", self)
        self.export_json_action.triggered.connect(lambda: self._ask_export("json"))
        self.export_csv_action = QAction("Export Selection as CSV…", self)
        self.export_csv_action.triggered.connect(lambda: self._ask_export("csv"))
        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.triggered.connect(self.reload)
        for action in (self.resend_action, self.cancel_retries_action, self.export_json_action,
                       self.export_csv_action):
            action.setEnabled(False)
            self.table.addAction(action)
        self.table.addAction(self.refresh_action)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.search_action = QAction("Search Requests", self)
        self.search_action.setShortcut(QKeySequence.StandardKey.Find)
        self.search_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.search_action.triggered.connect(self._on_search_triggered)
        self.addAction(self.search_action)

        toolbar = QHBoxLayout()
        toolbar.addWidget(self.search, 1)
        resend_button = QToolButton()
        resend_button.setDefaultAction(self.resend_action)
        export_button = QToolButton()
        export_button.setText("Export")
        export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        export_menu = QMenu(export_button)
        export_menu.addAction(self.export_json_action)
        export_menu.addAction(self.export_csv_action)
        export_button.setMenu(export_menu)
        refresh_button = QToolButton()
        refresh_button.setDefaultAction(self.refresh_action)
        toolbar.addWidget(resend_button)
        toolbar.addWidget(export_button)
        toolbar.addWidget(refresh_button)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 420])
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addLayout(self._filter_row)
        layout.addLayout(self._custom_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(splitter, 1)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_COALESCE_MS)
        self._refresh_timer.timeout.connect(self._refresh_now)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DEBOUNCE_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textEdited.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_filters)
        self.apply_filters()
        self._load_choices()

    # Building -----------------------------------------------------------------------------------

    def _build_filters(self) -> None:
        self.time_range = QComboBox()
        for preset in TimeRange:
            self.time_range.addItem(preset.value, preset)
        self.time_range.setCurrentIndex(self.time_range.findData(TimeRange.ALL))
        self.outcome = QComboBox()
        self.outcome.addItem("Any outcome", None)
        for outcome in Outcome:
            if outcome is not Outcome.UNREADABLE:  # never stored, so nothing to filter for
                self.outcome.addItem(outcome.label, outcome)
        self.customer = QComboBox()
        self.customer.addItem("Any customer", None)
        self.trigger = QComboBox()
        self.trigger.addItem("Any trigger", None)
        self.event = QComboBox()
        self.event.addItem("Any event", None)
        for event in Event:
            self.event.addItem(event.label, event.value)
        self.test_mode = QComboBox()
        self.test_mode.addItem("Tests and live", None)
        self.test_mode.addItem("Tests only", True)
        self.test_mode.addItem("Live only", False)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search target, bodies, errors…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(180)
        self._filter_row = QHBoxLayout()
        for combo in (self.time_range, self.outcome, self.customer, self.trigger, self.event, self.test_mode):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._on_filter_changed)
            self._filter_row.addWidget(combo)
        self._filter_row.addStretch(1)

        now = QDateTime.fromSecsSinceEpoch(int(self._clock()), QTimeZone(QTimeZone.Initialization.UTC))
        self.custom_from = QDateTimeEdit(now.addDays(-1))
        self.custom_to = QDateTimeEdit(now.addSecs(3600))
        for edit in (self.custom_from, self.custom_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setTimeZone(QTimeZone(QTimeZone.Initialization.UTC))
            edit.dateTimeChanged.connect(self._on_filter_changed)
        self._custom_row = QHBoxLayout()
        self._custom_label = QLabel("From (UTC)")
        self._custom_to_label = QLabel("to")
        for widget in (self._custom_label, self.custom_from, self._custom_to_label, self.custom_to):
            self._custom_row.addWidget(widget)
        self._custom_row.addStretch(1)
        self._show_custom(False)

    def _show_custom(self, visible: bool) -> None:
        for widget in (self._custom_label, self.custom_from, self._custom_to_label, self.custom_to):
            widget.setVisible(visible)

    # Public slots -------------------------------------------------------------------------------

    def set_filter_choices(
        self, customers: Sequence[tuple[int, str]], triggers: Sequence[tuple[int, str]]
    ) -> None:
        """Offer these customers and triggers (``(id, name)``) in the filters, keeping the choice."""
        for combo, choices, any_text in (
            (self.customer, customers, "Any customer"),
            (self.trigger, triggers, "Any trigger"),
        ):
            chosen = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(any_text, None)
            for item_id, name in choices:
                combo.addItem(name, item_id)
            index = combo.findData(chosen)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        if self.customer.currentData() != self.model.filters.customer_id or (
            self.trigger.currentData() != self.model.filters.trigger_id
        ):
            self.apply_filters()

    @property
    def menu_actions(self) -> tuple[QAction, ...]:
        """The actions the main window lists in this page's menu."""
        return (
            self.resend_action,
            self.cancel_retries_action,
            self.export_json_action,
            self.export_csv_action,
            self.refresh_action,
            self.search_action,
        )

    def current_filters(self) -> RequestFilter:
        """The filter the controls describe right now.

        Raises:
            ValueError: The custom time range ends before it starts.
        """
        preset = TimeRange(self.time_range.currentData())
        custom = (
            float(self.custom_from.dateTime().toSecsSinceEpoch()),
            float(self.custom_to.dateTime().toSecsSinceEpoch()),
        )
        since, until = resolve_time_range(preset, self._clock(), custom)
        outcome = self.outcome.currentData()
        return RequestFilter(
            since=since,
            until=until,
            outcomes=(Outcome(outcome),) if outcome is not None else (),
            customer_id=self.customer.currentData(),
            trigger_id=self.trigger.currentData(),
            event=self.event.currentData(),
            is_test=self.test_mode.currentData(),
            text=self.search.text(),
        )

    @Slot(object)
    def on_change(self, notice: ChangeNotice) -> None:
        """New attempts appear on top; new or renamed customers and triggers in the filters."""
        if notice.concerns(Entity.REQUEST):
            self.refresh()
        if notice.concerns(Entity.CUSTOMER, Entity.TRIGGER):
            self._load_choices()

    def _load_choices(self) -> None:
        self._choices_generation = self.loader.new_generation()
        self.loader.load_choices(self._choices_generation)

    def _on_loader_choices_loaded(self, generation: int, choices: FilterChoices) -> None:
        if generation == self._choices_generation:
            self.set_filter_choices(choices.customers, choices.triggers)

    def apply_filters(self) -> None:
        """Reload the table and the summary for the filter the controls describe."""
        self._search_timer.stop()
        self._show_custom(self.time_range.currentData() == TimeRange.CUSTOM)
        try:
            filters = self.current_filters()
        except ValueError as error:
            self._show_error(str(error))
            return
        self.error.hide()
        self._detail_generation = self.loader.new_generation()  # a detail still loading is stale too
        self.detail.clear()
        self.model.set_filters(filters)
        self._load_summary()

    def reload(self) -> None:
        """Load the first page again (F5), re-reading the time presets against the clock."""
        self.apply_filters()

    def refresh(self) -> None:
        """New entries were logged: show them on top, keeping selection and scroll position.

        Calls in quick succession (a batch of deliveries) are coalesced into one query.
        """
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def export_selection(self, path: Path, fmt: str) -> None:
        """Write the selected entries to ``path`` as ``"json"`` or ``"csv"`` (off the GUI thread).

        Emits ``export_finished`` with the path when the file is written. The workspace's own files
        are refused at once, with nothing read or written.
        """
        ids = self.selected_ids()
        if not ids:
            self._show_error("Select the requests to export first.")
            return
        try:
            self._files.check_output(path)
        except StudioError as error:
            self._show_error(f"Nothing was exported: {error}")
            return
        self._export_generation = self.loader.new_generation()
        self._export_target = (path, fmt)
        self.loader.load_records(self._export_generation, ids)

    def selected_ids(self) -> list[int]:
        """The log ids of the selected rows, in table order."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.row_at(row).id for row in rows]

    def wait_for_workers(self, msecs: int = 10_000) -> bool:
        """Block until running queries end (before closing the workspace)."""
        return self.loader.wait(msecs)

    # Reactions ----------------------------------------------------------------------------------

    def _on_filter_changed(self) -> None:
        self.apply_filters()

    def _refresh_now(self) -> None:
        self.model.refresh()
        self._load_summary()

    def _load_summary(self) -> None:
        self._summary_generation = self.loader.new_generation()
        self.summary.set_summary(None)
        self.loader.load_summary(self._summary_generation, self.model.filters, self._clock())

    def _on_loader_summary_loaded(self, generation: int, summary: RequestSummary) -> None:
        if generation != self._summary_generation:
            return
        self.summary.set_summary(summary)
        self.summary_updated.emit(summary)

    def _on_table_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        self._detail_generation = self.loader.new_generation()
        self.loader.load_records(
            self._detail_generation, [self.model.row_at(current.row()).id], with_delivery=True
        )

    def _on_loader_records_loaded(self, generation: int, records: list[RequestRecord]) -> None:
        if generation == self._export_generation:
            self._finish_export(records)
            return
        if generation != self._detail_generation or not records:
            return
        record, attempts = records[0], records[1:]
        self.detail.show_record(record, attempts)
        if record.id is not None:
            self.detail_shown.emit(record.id)

    def _finish_export(self, records: list[RequestRecord]) -> None:
        if self._export_target is None:
            return
        path, fmt = self._export_target
        text = export_json(records) if fmt == "json" else export_csv(records)
        try:
            self._files.write_text(path, text)
        except StudioError as error:
            self._show_error(f"Nothing was exported: {error}")
            return
        self.export_finished.emit(str(path))

    def _on_loader_failed(self, generation: int, message: str, _details: str) -> None:
        if generation in (self._summary_generation, self._detail_generation, self._export_generation):
            self._show_error(f"Could not read the request log: {message}")

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.error_shown.emit(message)

    def _on_table_selection_changed(self) -> None:
        has_selection = self.table.selectionModel().hasSelection()
        for action in (self.resend_action, self.cancel_retries_action, self.export_json_action,
                       self.export_csv_action):
            action.setEnabled(has_selection)

    def _on_search_triggered(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_resend_triggered(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.resend_requested.emit(ids)

    def _ask_export(self, fmt: str) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export requests", f"requests.{fmt}", "JSON (*.json)" if fmt == "json" else "CSV (*.csv)"
        )
        if name:
            self.export_selection(Path(name), fmt)

    def _on_model_rows_prepended(self, count: int) -> None:
        bar = self.table.verticalScrollBar()
        if count and bar.value() > 0:
            # Keep the rows the user is reading in place; at the very top, show the new ones.
            bar.setValue(bar.value() + count)

    def _on_model_rows_appended(self, _total: int) -> None:
        self.error.hide()
