"""Quick fixes in the Template Mapper: lints underlined in the text, fixed with Ctrl+. or from Problems.

The preview lints the template on every render (``render_preview`` in ``core.template_library``);
this controller marks the lints of the part in the editor, gives each lint's row in Problems a *Fix*
button (and a *Proof* button when an edge-case variant proves it), and applies a fix through the
editor's document inside one edit block, so one Undo takes the whole fix back. Which lints apply at
the cursor, and whether they are still about the text, is decided in
:mod:`postback_studio.core.doctor.in_editor`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QPoint, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QMenu, QWidget

from postback_studio.core.doctor.base import Lint
from postback_studio.core.doctor.in_editor import current_lints, fixes_at, part_of, part_text, same_lint
from postback_studio.core.render.result import Diagnostic, Severity
from postback_studio.core.template_library import PreviewRender
from postback_studio.core.textpos import from_utf16, to_utf16
from postback_studio.ui.template_editor import EMAIL_PARTS, TemplateEditor
from postback_studio.ui.template_mapper import TemplateMapperView

#: Asks which fix to apply when several apply at the cursor: the lints and where to ask (global).
FixChooser = Callable[[Sequence[Lint], QPoint], Lint | None]
#: The editor's range layer for lints.
LINT_LAYER = "lints"
#: The buttons of a lint's row in Problems.
FIX = "Fix"
PROOF = "Proof"


def menu_chooser(parent: QWidget) -> FixChooser:
    """Ask with a small menu at the cursor: one entry per fix, titled with what it does."""

    def choose(lints: Sequence[Lint], at: QPoint) -> Lint | None:
        menu = QMenu(parent)
        for index, lint in enumerate(lints):
            assert lint.fix is not None
            action = menu.addAction(lint.fix.title)
            action.setToolTip(lint.message)
            action.setData(index)
        chosen = menu.exec(at)
        return None if chosen is None else lints[int(chosen.data())]

    return choose


class QuickFixes(QObject):
    """The lints of the template on show: marked, listed with their fixes, fixed in one step.

    Args:
        view: The Template Mapper (its editor and Problems list).
        editor: The template in the editor (its parts and subject line).
        choose: Asks which fix to apply when several apply at the cursor (tests pass their own).
        parent: The page.

    Signals:
        fix_applied(str): a fix rewrote the template; carries its title (render now).
        proof_requested(object): the user asked for the edge-case variant that proves a lint;
            carries the :class:`~postback_studio.core.doctor.variants.Variant`.
        status_message(str): a short notice for the status bar.
    """

    fix_applied = Signal(str)
    proof_requested = Signal(object)
    status_message = Signal(str)

    def __init__(
        self,
        view: TemplateMapperView,
        editor: TemplateEditor,
        *,
        choose: FixChooser | None = None,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._editor = editor
        self.choose = choose or menu_chooser(parent)
        self._render: PreviewRender | None = None
        self._shown: dict[Diagnostic, Lint] = {}
        view.problems.action_triggered.connect(self._on_problems_action_triggered)

    # -- what is on show ---------------------------------------------------------------------

    def show(self, render: PreviewRender) -> None:
        """Mark the lints of ``render`` in the editor and give their Problems rows buttons."""
        self._render = render
        edited = self._editor.edited_template()
        if edited is None:
            return
        part = part_of(edited, self._editor.part)
        if part_text(render.request.template, part) == self._view.template_text():
            # Marks of an older text would land in the wrong place: the render of this text follows.
            marks = [
                (lint.start, lint.end, Severity.WARNING, lint.message)
                for lint in render.lints
                if lint.part == part
            ]
            self._view.editor.set_ranges(marks, LINT_LAYER)
        self._shown = {}
        actions = []
        for lint in render.lints:
            diagnostic = lint.diagnostic()
            self._shown.setdefault(diagnostic, lint)
            labels, tips = [], []
            if lint.fix is not None:
                labels.append(FIX)
                tips.append(f"Fix (Ctrl+.): {lint.fix.title}")
            if lint.proof is not None:
                labels.append(PROOF)
                tips.append(f"Proof: the edge case that breaks the template, {lint.proof.describe()}")
            if labels:
                actions.append((diagnostic, labels, "\n".join(tips)))
        self._view.problems.set_row_actions(actions)

    def _on_problems_action_triggered(self, diagnostic: Diagnostic, label: str) -> None:
        lint = self._shown.get(diagnostic)
        if lint is None:
            return
        if label == FIX:
            self.fix(lint)
        elif label == PROOF and lint.proof is not None:
            self.proof_requested.emit(lint.proof)

    def lints(self) -> tuple[Lint, ...]:
        """The lints of the template as it is now (linted again here if it changed since the render)."""
        render = self._render
        edited = self._editor.edited_template()
        if render is None or edited is None:
            return ()
        request = render.request
        return current_lints(render.lints, request.template, edited, {request.sample: request.payload})

    # -- fixing ------------------------------------------------------------------------------

    def fix_at_cursor(self) -> bool:
        """Ctrl+.: apply the fix at the cursor; ask with a menu when several apply. False: none."""
        edited = self._editor.edited_template()
        if edited is None:
            return False
        subject = self._editor.subject_edit
        if subject.hasFocus():
            part, offset = "subject", from_utf16(subject.text(), subject.cursorPosition())
        else:
            part, offset = part_of(edited, self._editor.part), self._view.editor.cursor_offset()
        candidates = fixes_at(self.lints(), part, offset)
        if not candidates:
            self.status_message.emit("No quick fix at the cursor")
            return False
        chosen = candidates[0] if len(candidates) == 1 else self.choose(candidates, self._menu_position())
        if chosen is None:
            return False
        self.apply(chosen)
        return True

    def fix(self, shown: Lint) -> bool:
        """Apply the fix of a lint the user saw (in Problems), found again if the text changed since."""
        lint = same_lint(shown, self.lints())
        if lint is None or lint.fix is None:
            self.status_message.emit("That problem is gone: the template changed")
            return False
        self.apply(lint)
        return True

    def apply(self, lint: Lint) -> None:
        """Rewrite the template with the lint's fix, as one undo step, and announce it."""
        fix = lint.fix
        edited = self._editor.edited_template()
        if fix is None or edited is None:
            return
        if lint.part == "subject":
            line = self._editor.subject_edit
            line.selectAll()
            line.insert(fix.apply(line.text()))  # one undo step of the line edit
        else:
            if part_of(edited, self._editor.part) != lint.part:
                self._editor.part_tabs.setCurrentIndex(EMAIL_PARTS.index(lint.part))
            self._edit_document(lint)
        self.status_message.emit(f"Quick fix: {fix.title}")
        self.fix_applied.emit(fix.title)

    def _edit_document(self, lint: Lint) -> None:
        assert lint.fix is not None
        editor = self._view.editor
        text = editor.toPlainText()
        edits = sorted(lint.fix.edits, key=lambda edit: (edit.start, edit.end))
        cursor = QTextCursor(editor.document())
        cursor.beginEditBlock()
        # Last edit first: the offsets of the earlier ones stay true.
        for edit in reversed(edits):
            cursor.setPosition(to_utf16(text, edit.start))
            cursor.setPosition(to_utf16(text, edit.end), QTextCursor.MoveMode.KeepAnchor)
            cursor.insertText(edit.replacement)
        cursor.endEditBlock()
        first = edits[0]
        landing = QTextCursor(editor.document())
        landing.setPosition(to_utf16(text, first.start) + to_utf16(first.replacement, len(first.replacement)))
        editor.setTextCursor(landing)
        editor.setFocus()

    def _menu_position(self) -> QPoint:
        editor = self._view.editor
        rect = editor.cursorRect()
        return editor.viewport().mapToGlobal(QPoint(rect.left(), rect.bottom() + 2))

