"""The Templates page's menu actions: what each is called, its shortcut, and what it runs.

The page composes its parts and wires them; the commands it offers the menu bar are listed here in
one place, with their shortcuts (a test checks that none collide), and with which of them need a
template on show, so an empty workspace offers only what can start one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from postback_studio.core.model import OutputFormat, TemplateKind
from postback_studio.core.template_library import NEW_TEMPLATE_CHOICES
from postback_studio.ui.mapper_panels import panel_actions
from postback_studio.ui.template_mapper import TemplateMapperView


class TemplateCommands(Protocol):
    """What the Templates page does when a menu command runs (the page itself)."""

    def new_template(self, kind: TemplateKind, fmt: OutputFormat) -> Any: ...

    def new_from_example(self) -> Any: ...

    def save(self) -> bool: ...

    def render_now(self) -> None: ...

    def run_check(self) -> None: ...

    def compare_with_saved(self) -> bool: ...

    def duplicate_template(self) -> Any: ...

    def rename_template(self) -> bool: ...

    def delete_template(self) -> bool: ...

    def import_template(self, path: Path | None = None) -> Any: ...

    def export_template(self, path: Path | None = None) -> Any: ...

    def open_history(self) -> Any: ...


class TemplatesMenu:
    """The actions the Templates page contributes to the menu bar, built once with their shortcuts.

    The "New" actions also go into the library's New menu.
    """

    def __init__(
        self,
        commands: TemplateCommands,
        *,
        view: TemplateMapperView,
        new_menu: QMenu,
        check_edge_cases: Callable[[], object],
        quick_fix: Callable[[], object],
        parent: QWidget,
    ) -> None:
        """Build the actions, owned by ``parent``, that run ``commands``.

        Args:
            commands: The page's commands.
            view: The Template Mapper (its find bar, its panels).
            new_menu: The library's New menu, which lists the "New" actions too.
            check_edge_cases: Runs Check Edge Cases.
            quick_fix: Applies a quick fix at the cursor.
            parent: Owns the actions (their shortcuts work in its window).
        """
        self._parent = parent
        self.new_actions: list[QAction] = []
        for (label, kind, fmt), shortcut in zip(NEW_TEMPLATE_CHOICES, ("Ctrl+N", None, None), strict=True):
            action = self._action(
                f"New {label} Template…", shortcut, lambda k=kind, f=fmt: commands.new_template(k, f)
            )
            self.new_actions.append(action)
            new_menu.addAction(action)
        from_example = self._action("New from Example…", "Ctrl+Shift+N", commands.new_from_example)
        self.new_from_example_action = from_example
        self.new_actions.append(from_example)
        new_menu.addSeparator()
        new_menu.addAction(from_example)
        self.save_action = self._action("Save Template", QKeySequence.StandardKey.Save, commands.save)
        self.render_action = self._action("Render Preview", "Ctrl+Return", commands.render_now)
        self.check_action = self._action("Check Against All Samples", "Ctrl+Shift+K", commands.run_check)
        self.edge_case_action = self._action("Check Edge Cases", "Ctrl+Alt+K", check_edge_cases)
        self.quick_fix_action = self._action("Quick Fix", "Ctrl+.", quick_fix)
        self.compare_action = self._action("Compare with Saved…", "Ctrl+Alt+D", commands.compare_with_saved)
        self.compare_action.setToolTip(
            "What changes if I save this: the saved template and your edits rendered against every "
            "sample and edge-case variant, side by side"
        )
        self.compare_action.setEnabled(False)
        self.duplicate_action = self._action(
            "Duplicate Template", "Ctrl+Shift+D", commands.duplicate_template
        )
        self.rename_action = self._action("Rename Template…", "F2", commands.rename_template)
        self.delete_action = self._action("Delete Template…", None, commands.delete_template)
        self.import_action = self._action("Import Template (.j2)…", "Ctrl+O", commands.import_template)
        self.export_action = self._action("Export Template (.j2)…", "Ctrl+Shift+E", commands.export_template)
        self.history_action = self._action("Version History…", "Ctrl+Shift+H", commands.open_history)
        self.find_action = self._action("Find in Template", "Ctrl+F", view.find_bar.open_find)
        self.replace_action = self._action("Replace in Template", "Ctrl+H", view.find_bar.open_replace)
        self.panel_actions = panel_actions(view.panels, parent)

    def _action(self, text: str, shortcut: QKeySequence | str | None, slot: Any) -> QAction:
        action = QAction(text, self._parent)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        # Call without Qt's ``checked`` argument: several slots take an optional path instead.
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def actions(self) -> list[QAction]:
        """Every action, in menu order."""
        return [
            *self.new_actions,
            self.save_action,
            self.render_action,
            self.check_action,
            self.edge_case_action,
            self.quick_fix_action,
            self.compare_action,
            self.duplicate_action,
            self.rename_action,
            self.delete_action,
            self.import_action,
            self.export_action,
            self.history_action,
            self.find_action,
            self.replace_action,
            *self.panel_actions,
        ]

    def needing_template(self) -> list[QAction]:
        """The actions that act on the template on show (disabled while there is none)."""
        return [
            self.save_action, self.render_action, self.check_action, self.history_action,
            self.duplicate_action, self.rename_action, self.delete_action, self.export_action,
            self.replace_action,
        ]
