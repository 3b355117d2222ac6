"""The Requests page's table: the log as rows, fetched page by page as the view scrolls.

Every page is a query on a worker (``RequestsLoader``); results carry a generation number and a
result for an older filter is dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from postback_studio.core.request_detail import event_label, format_duration, format_time
from postback_studio.core.requests_view import RequestFilter, RequestRow, RowColumns, merge_newer
from postback_studio.ui.tones import TONE_ROLE
from postback_studio.workers.requests_loader import RequestsLoader

#: Rows fetched per query.
PAGE_SIZE = 250

COLUMNS = (
    "Time (UTC)",
    "Customer",
    "Trigger",
    "Event",
    "Channel",
    "Target",
    "Outcome",
    "Status",
    "Attempt",
    "Duration",
)
#: Columns as wide as their usual text (sample texts), and columns that share the rest (weights):
#: names and the target elide, their whole text is in the row's tooltip. When the table is too
#: narrow even so, the channel, the attempt, the duration and the event give way (in that order);
#: the outcome and the status never do.
FIXED_COLUMN_SAMPLES = {
    0: ("2026-12-01 02:26:35",),
    3: ("Order in transit",),
    4: ("webhook · test",),
    6: ("Render failed",),
    7: ("HTTP 503", "SMTP 250"),
    8: ("10",),
    9: ("12,345 ms",),
}
ELASTIC_COLUMNS = {1: 2, 2: 3, 5: 4}
HIDE_ORDER = (4, 8, 9, 3)
_NUMERIC_COLUMNS = frozenset({7, 8, 9})
_OUTCOME_COLUMN = 6

#: The item-data role that carries a row's log id.
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _cell_text(row: RequestRow, column: int) -> str:
    match column:
        case 0:
            return datetime.fromtimestamp(row.started_at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
        case 1:
            return row.customer_name
        case 2:
            return row.trigger_name
        case 3:
            return event_label(row.event)
        case 4:
            return f"{row.channel.value} · test" if row.is_test else row.channel.value
        case 5:
            return row.target
        case 6:
            return row.outcome.label
        case 7:
            return row.status_label
        case 8:
            return str(row.attempt)
        case _:
            return format_duration(row.duration)


class RequestTableModel(QAbstractTableModel):
    """The log as a table, fetched page by page as the view scrolls.

    Signals:
        rows_appended(int): a page arrived; the number of rows now loaded.
        rows_prepended(int): a refresh put this many newer rows on top.
        exhausted(): the last page has been loaded.
        load_failed(str): a query failed; the message says why.
    """

    rows_appended = Signal(int)
    rows_prepended = Signal(int)
    exhausted = Signal()
    load_failed = Signal(str)

    def __init__(self, loader: RequestsLoader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loader = loader
        self._rows = RowColumns()
        self._cached: tuple[int, RequestRow] | None = None
        self._filters = RequestFilter()
        self._generation = 0
        self._loading = False
        self._refreshing = False
        self._refresh_again = False
        self._exhausted = True
        loader.page_loaded.connect(self._on_loader_page_loaded)
        loader.newer_loaded.connect(self._on_loader_newer_loaded)
        loader.failed.connect(self._on_loader_failed)

    @property
    def filters(self) -> RequestFilter:
        """The filter the rows were loaded for."""
        return self._filters

    @property
    def complete(self) -> bool:
        """True when every row the filter matches has been loaded."""
        return self._exhausted

    @property
    def loading(self) -> bool:
        """True while a page is being fetched."""
        return self._loading

    def row_at(self, row: int) -> RequestRow:
        """The row data at table row ``row``."""
        cached = self._cached
        if cached is not None and cached[0] == row:
            return cached[1]
        value = self._rows.row(row)
        self._cached = (row, value)
        return value

    def set_filters(self, filters: RequestFilter) -> None:
        """Forget the loaded rows and load the first page for ``filters``."""
        self.beginResetModel()
        self._generation = self._loader.new_generation()
        self._filters = filters
        self._rows.clear()
        self._cached = None
        self._loading = False
        self._refreshing = False
        self._refresh_again = False
        self._exhausted = False
        self.endResetModel()
        if not self._loading:
            self.fetchMore(QModelIndex())

    def refresh(self) -> None:
        """Put rows logged since the top row above it, keeping everything already loaded."""
        if not len(self._rows):
            # Nothing shown yet (or a first page still on its way, possibly from before the new
            # entries): load from the top again; a page already in flight becomes stale.
            self.set_filters(self._filters)
            return
        if self._refreshing:
            # Entries logged while a refresh is on its way are not in its answer: ask again after it.
            self._refresh_again = True
            return
        self._refreshing = True
        self._loader.load_newer(self._generation, self._filters, self._rows.key(0), PAGE_SIZE)

    # Qt model interface -------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid():
            return None
        row = self.row_at(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell_text(row, column)
        if role == ID_ROLE:
            return row.id
        if role == TONE_ROLE and column == _OUTCOME_COLUMN:
            return row.outcome.value
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and row.is_test:
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            test = " · test send" if row.is_test else ""
            parts = (row.customer_name, row.trigger_name, event_label(row.event), _cell_text(row, 4))
            who = " · ".join(t for t in parts if t)
            when = f"{format_time(row.started_at)} · delivery {row.delivery_id}{test}"
            return f"{who}\n{row.target}\n{when}"
        return None

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if parent.isValid() or self._exhausted or self._loading:
            return
        self._loading = True
        after = self._rows.key(len(self._rows) - 1) if len(self._rows) else None
        self._loader.load_page(self._generation, self._filters, after, PAGE_SIZE)

    # Loader results -----------------------------------------------------------------------------

    def _on_loader_page_loaded(self, generation: int, rows: list[RequestRow]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self._cached = None
            self.endInsertRows()
        if len(rows) < PAGE_SIZE:
            self._exhausted = True
        self.rows_appended.emit(len(self._rows))
        if self._exhausted:
            self.exhausted.emit()

    def _on_loader_newer_loaded(self, generation: int, rows: list[RequestRow]) -> None:
        if generation != self._generation:
            return
        self._refreshing = False
        if len(rows) >= PAGE_SIZE:
            # More arrived than one page: a gap would hide entries, so start over from the top.
            self.set_filters(self._filters)
            return
        fresh = merge_newer(self._rows.key(0) if len(self._rows) else None, rows)
        if fresh:
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            self._rows.insert_front(fresh)
            self._cached = None
            self.endInsertRows()
        self.rows_prepended.emit(len(fresh))
        if self._refresh_again:
            self._refresh_again = False
            self.refresh()

    def _on_loader_failed(self, generation: int, message: str, _details: str) -> None:
        if generation != self._generation:
            return
        self._loading = False
        self._refreshing = False
        self._exhausted = True
        self.load_failed.emit(message)

