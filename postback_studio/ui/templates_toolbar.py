"""The row of controls above the Template Mapper: Save, Active, "Lookups for", the checks, History.

Layout only: the page connects the controls to what they do. It exists so the page's module holds
the wiring and the template's life in the editor, not the arrangement of a row of buttons.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QWidget

from postback_studio.ui.lookups_for import LookupsForCombo
from postback_studio.ui.save_feedback import SavedNote


class TemplatesToolbar(QWidget):
    """Save and its note, the Active box, "Lookups for", the two checks' buttons and History…."""

    def __init__(
        self,
        customer_combo: LookupsForCombo,
        *,
        check_button: QPushButton,
        edge_case_button: QPushButton,
        parent: QWidget | None = None,
    ) -> None:
        """Lay out the controls; the check buttons belong to the parts that run the checks."""
        super().__init__(parent)
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save the template (Ctrl+S); every save is kept as a version")
        self.active_check = QCheckBox("Active")
        self.active_check.setToolTip("Draft or active. Only active templates are used by active triggers.")
        self.customer_combo = customer_combo
        self.check_button = check_button
        self.edge_case_button = edge_case_button
        self.history_button = QPushButton("History…")
        self.history_button.setToolTip("Saved versions, a side-by-side diff, and Restore")
        self.saved_note = SavedNote()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.save_button)
        layout.addWidget(self.saved_note)
        layout.addWidget(self.active_check)
        layout.addSpacing(12)
        layout.addWidget(QLabel("Lookups for"))
        layout.addWidget(self.customer_combo)
        layout.addStretch(1)
        layout.addWidget(self.check_button)
        layout.addWidget(self.edge_case_button)
        layout.addWidget(self.history_button)
