"""The Lookups page's Import CSV and Export CSV: the buttons, the flow behind them and its message.

It exists apart from the page because the CSV round trip has its own rules: Import CSV writes
nothing (a file with bad rows is refused as a whole, every bad line named; a good file goes into the
rows being edited, after asking, when the table has rows, whether to replace or merge them with the
counts of each), and Export CSV writes the saved rows, never over the workspace. The page places the
buttons and the message and keeps the table being edited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from postback_studio.core.errors import StudioError
from postback_studio.core.import_plan import ImportMode
from postback_studio.core.lookup_csv import parse_lookup_csv
from postback_studio.core.lookup_rows import RowsPlan, plan_rows
from postback_studio.core.model import LookupTable
from postback_studio.services.files import UserFiles
from postback_studio.ui.ports import LookupStore
from postback_studio.ui.prompts import Prompter
from postback_studio.ui.tones import Tone, set_tone

_CSV_FILTERS = "CSV files (*.csv);;All files (*)"


class LookupCsvTransfer(QObject):
    """Import CSV into the rows being edited and Export CSV of the saved rows, with what came of it.

    Signals:
        announced(str): a short notice for the status bar (an import or an export went through).
    """

    announced = Signal(str)

    def __init__(
        self,
        lookups: LookupStore,
        files: UserFiles,
        *,
        prompter: Callable[[], Prompter],
        stored: Callable[[], LookupTable],
        name_edit: QLineEdit,
        field_edit: QLineEdit,
        rows: Callable[[], tuple[tuple[str, str], ...]],
        set_rows: Callable[[Sequence[tuple[str, str]]], None],
        parent: QObject | None = None,
    ) -> None:
        """Read and write files through ``files``; export what ``lookups`` holds for ``stored()``.

        ``prompter`` gives the page's prompter of the moment (tests and the app may replace it after
        the page is built); ``rows`` and ``set_rows`` read and replace the rows being edited; an empty
        name or template field is filled from the file's name.
        """
        super().__init__(parent)
        self._lookups = lookups
        self._files = files
        self._prompter = prompter
        self._stored = stored
        self._name_edit = name_edit
        self._field_edit = field_edit
        self._rows = rows
        self._set_rows = set_rows
        self.import_button = QPushButton("Import CSV…")
        self.export_button = QPushButton("Export CSV…")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        self.import_button.clicked.connect(self.import_csv)
        self.export_button.clicked.connect(self.export_csv)

    def show_table(self, table: LookupTable) -> None:
        """A table was loaded: the last message goes, and only a saved table can be exported."""
        self.message.hide()
        self.export_button.setEnabled(table.id is not None)

    @Slot()
    def import_csv(self, path: Path | None = None) -> RowsPlan | None:
        """Load a key,value CSV file into the rows being edited; nothing is written until Save.

        When the table has rows, asks whether to replace or merge them, saying how many rows each
        adds, changes and removes. A file with bad rows changes nothing and names every bad line.

        Returns:
            The plan that was applied to the rows, or None (cancelled, or the file was refused).
        """
        path = path or self._prompter().open_path("Import Lookup CSV", _CSV_FILTERS)
        if path is None:
            return None
        try:
            self._files.check_input(path)
            incoming = parse_lookup_csv(path.read_bytes(), path.name)
        except StudioError as exc:
            self._show(f"{exc}\nNothing was changed.", ok=False)
            return None
        except OSError as exc:
            self._show(f"{path.name}: cannot be read ({exc.strerror or exc}). Nothing was changed.", ok=False)
            return None
        plan = self._ask_plan(path.name, incoming)
        if plan is None:
            return None
        stem = path.name.removesuffix(".csv")
        if not self._name_edit.text().strip():
            self._name_edit.setText(stem)
        if not self._field_edit.text().strip():
            self._field_edit.setText(stem)
        self._set_rows(plan.rows)
        self._show(
            f"Loaded {len(incoming)} rows from {path.name} ({plan.mode.value}): "
            f"{plan.changes.describe()}. Nothing is saved yet: Save keeps them, Discard Changes drops them.",
            ok=True)
        return plan

    def _ask_plan(self, source: str, incoming: Sequence[tuple[str, str]]) -> RowsPlan | None:
        """Replace or merge the rows being edited with ``incoming``; asks when there are rows."""
        current = self._rows()
        plans = [plan_rows(current, incoming, mode) for mode in (ImportMode.REPLACE, ImportMode.MERGE)]
        if not current:
            return plans[0]
        name = self._name_edit.text().strip() or "This table"
        choice = self._prompter().choose(
            "Import CSV",
            f"{name} has {len(current)} rows; {source} has {len(incoming)}. Replace the rows, or merge "
            "the file into them? Nothing is saved until you press Save.",
            [f"Replace: {plans[0].changes.describe()}", f"Merge: {plans[1].changes.describe()}"],
        )
        return None if choice is None else plans[choice]

    @Slot()
    def export_csv(self) -> bool:
        """Write the saved rows as a key,value CSV file (never over the workspace)."""
        table = self._stored()
        if table.id is None:
            return False
        path = self._prompter().save_path(
            "Export Lookup CSV", f"{table.template_field or 'lookup'}.csv", _CSV_FILTERS)
        if path is None:
            return False
        try:
            self._files.write_text(path, self._lookups.export_csv(table.id))
        except StudioError as exc:
            self._show(f"Nothing was exported: {exc}", ok=False)
            return False
        self._show(f"Exported {len(table.rows)} rows to {path.name}.", ok=True)
        return True

    def _show(self, text: str, *, ok: bool) -> None:
        self.message.setText(text)
        set_tone(self.message, Tone.OK if ok else Tone.ERROR)
        self.message.show()
        if ok:
            self.announced.emit(text)
