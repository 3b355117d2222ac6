"""What the Templates page's library buttons and menu do to templates.

New, Duplicate, Rename, Delete, Import, Export, Version History and Restore act on the template in
the editor (as shown, unsaved edits included, where that matters) and ask first where something
would be lost. The page supplies how to show a template and how to ask about unsaved edits.

Import writes nothing: the file's template goes into the editor as unsaved edits, either of the
template with its name (its next version, when the user chooses to replace that one's content) or
as a new template; Save stores it, Discard drops it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from postback_studio.core.errors import InUseError, NotFoundError, StudioError, ValidationError
from postback_studio.core.import_plan import Action
from postback_studio.core.model import OutputFormat, Template, TemplateKind, TemplateStatus
from postback_studio.core.recovery import RecoveryDraft
from postback_studio.core.template_files import (
    TemplateImportPlan,
    plan_template_import,
    read_template_file,
    suggested_filename,
    template_to_text,
)
from postback_studio.core.template_library import free_name, skeleton, with_content
from postback_studio.services.files import UserFiles
from postback_studio.ui.draft_recovery import DraftRecovery
from postback_studio.ui.ports import TemplateLibraryStore
from postback_studio.ui.prompts import Prompter
from postback_studio.ui.template_editor import TemplateEditor
from postback_studio.ui.version_history import VersionHistoryDialog

_TEMPLATE_FILTERS = "Templates (*.j2 *.json *.xml *.html *.txt);;All files (*)"


class TemplateLibraryActions(QObject):
    """The library's operations on templates.

    Args:
        templates: Reads and writes templates and their versions.
        editor: The template in the editor.
        prompter: Asks the user.
        drafts: The recovery folder's drafts (a deleted or recovered template's draft goes).
        files: Reads the files imported and writes the exports, never over the workspace.
        show: Puts a template (as stored, with edits on top when given) in the editor.
        refresh: Reloads the library list.
        confirm_discard: Asks about unsaved edits; True when it is fine to go on.
        parent: The page (dialogs open on top of it).

    Signals:
        status_message(str): a short notice for the status bar.
    """

    status_message = Signal(str)

    def __init__(
        self,
        templates: TemplateLibraryStore,
        editor: TemplateEditor,
        prompter: Prompter,
        drafts: DraftRecovery,
        *,
        files: UserFiles,
        show: Callable[[Template, Template | None], None],
        refresh: Callable[[], None],
        confirm_discard: Callable[[], bool],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._templates = templates
        self._editor = editor
        self._prompter = prompter
        self._drafts = drafts
        self._files = files
        self._show = show
        self._refresh = refresh
        self._confirm_discard = confirm_discard
        self._parent = parent
        self.history_dialog: VersionHistoryDialog | None = None

    def _taken_names(self) -> list[str]:
        return [t.name for t in self._templates.list()]

    def new_template(self, kind: TemplateKind, fmt: OutputFormat) -> Template | None:
        """Ask for a name and create a draft from the kind's skeleton; returns it or None."""
        if not self._confirm_discard():
            return None
        label = "email" if kind is TemplateKind.EMAIL else f"webhook ({fmt.value.upper()})"
        default = free_name(f"new-{kind.value}-{fmt.value}", self._taken_names())
        name = self._prompter.ask_text("New template", f"Name of the new {label} template:", default)
        if name is None:
            return None
        customer = self._editor.template.customer_id if self._editor.template else None
        return self.create(skeleton(name, kind, fmt, customer))

    def create(self, template: Template) -> Template | None:
        """Save a new template and put it in the editor; None when the workspace refuses it."""
        try:
            saved = self._templates.save(template)
        except ValidationError as error:
            self._prompter.error("Cannot create the template", str(error))
            return None
        self._editor.template = saved
        self._refresh()
        self._show(saved, None)
        return saved

    def duplicate(self) -> Template | None:
        """Copy the template as shown (unsaved edits included) into a new draft."""
        edited = self._editor.edited_template()
        if edited is None:
            return None
        name = free_name(f"{edited.name} copy", self._taken_names())
        if self._editor.dirty:
            self._drafts.discard(edited.id)  # the edits move to the copy
        return self.create(replace(edited, id=None, name=name, status=TemplateStatus.DRAFT))

    def rename(self) -> bool:
        """Ask for a new name; unsaved edits stay in the editor."""
        template = self._editor.template
        if template is None or template.id is None:
            return False
        name = self._prompter.ask_text("Rename template", "New name:", template.name)
        if name is None or name == template.name:
            return False
        try:
            renamed = self._templates.rename(template.id, name)
        except ValidationError as error:
            self._prompter.error("Cannot rename the template", str(error))
            return False
        self._editor.stored(renamed)
        self._refresh()
        return True

    def delete(self) -> bool:
        """Delete after confirmation; refused, with the triggers named, while triggers use it.

        The refusal comes before the "cannot be undone" question: nobody confirms a delete that
        will not happen.
        """
        template = self._editor.template
        if template is None or template.id is None:
            return False
        try:
            self._templates.check_deletable(template.id)
        except InUseError as error:
            self._prompter.error("Cannot delete the template", str(error))
            return False
        question = f"Delete '{template.name}' and all its saved versions? This cannot be undone."
        if not self._prompter.confirm("Delete template", question):
            return False
        try:
            self._templates.delete(template.id)
        except InUseError as error:
            self._prompter.error("Cannot delete the template", str(error))
            return False
        self._drafts.discard(template.id)
        self._editor.clear()
        self._refresh()
        remaining = self._templates.list()
        if remaining:
            self._show(remaining[0], None)
        self.status_message.emit(f"Deleted '{template.name}'")
        return True

    def import_template(self, path: Path | None = None) -> TemplateImportPlan | None:
        """Load a ``.j2`` file into the editor as unsaved edits; nothing is written until Save.

        When a template with the file's name exists (of the same kind and format), asks whether the
        file replaces its content (the next version of that template) or becomes a new template.

        Returns:
            The plan put in the editor, or None (cancelled, or the file was refused).
        """
        if not self._confirm_discard():
            return None
        path = path or self._prompter.open_path("Import template", _TEMPLATE_FILTERS)
        if path is None:
            return None
        try:
            self._files.check_input(path)
            imported = replace(read_template_file(path).template, status=TemplateStatus.DRAFT)
        except StudioError as error:
            self._prompter.error("Cannot import the template", str(error))
            return None
        plan = self._plan_import(path, imported)
        if plan is None:
            return None
        if plan.existing is None:
            self._show(plan.template, None)
            self.status_message.emit(f"Imported {path.name} as the new template '{plan.template.name}': "
                                     "not saved yet")
        else:
            self._show(plan.existing, plan.template)
            self.status_message.emit(f"Imported {path.name} into '{plan.existing.name}': not saved yet")
        return plan

    def _plan_import(self, path: Path, imported: Template) -> TemplateImportPlan | None:
        """Replace the content of the template with the file's name, or add a new one; asks which."""
        existing = self._templates.get_by_name(imported.name)
        new = plan_template_import(
            replace(imported, name=free_name(imported.name, self._taken_names())), None, customer_id=None
        )
        if existing is None or (existing.kind, existing.format) != (imported.kind, imported.format):
            return new
        replacing = plan_template_import(imported, existing, customer_id=existing.customer_id)
        if replacing.action is Action.UNCHANGED:
            self._prompter.error("Nothing to import", f"{path.name} is what '{existing.name}' holds already.")
            return None
        versions = len(self._templates.versions(existing.id)) if existing.id is not None else 0
        saved = f"{versions} saved version{'' if versions == 1 else 's'}"
        choice = self._prompter.choose(
            "Import template",
            f"A template named '{existing.name}' exists ({saved}). {path.name} can replace its content "
            f"(version {versions + 1} of '{existing.name}': 1 template changed) or become the new "
            f"template '{new.template.name}' (1 template added). Nothing is saved until you press Save.",
            [f"Replace (version {versions + 1})", f"Add as '{new.template.name}'"],
        )
        if choice is None:
            return None
        return replacing if choice == 0 else new

    def export_template(self, path: Path | None = None) -> Path | None:
        """Write the template as shown to a ``.j2`` file that imports back to the same template."""
        edited = self._editor.edited_template()
        if edited is None:
            return None
        path = path or self._prompter.save_path(
            "Export template", suggested_filename(edited), _TEMPLATE_FILTERS
        )
        if path is None:
            return None
        try:
            self._files.write_text(path, template_to_text(edited))
        except StudioError as error:
            self._prompter.error("Cannot export the template", str(error))
            return None
        self.status_message.emit(f"Exported to {path}")
        return path

    def open_history(self) -> VersionHistoryDialog | None:
        """Show the version history of the template (non-modal); Restore replaces the content."""
        edited = self._editor.edited_template()
        if edited is None or edited.id is None:
            return None
        versions = self._templates.versions(edited.id)
        dialog = VersionHistoryDialog(edited.name, versions, template_to_text(edited), self._parent)
        dialog.restore_requested.connect(self.restore_version)
        self.history_dialog = dialog
        dialog.show()
        return dialog

    def restore_version(self, number: int) -> bool:
        """Make version ``number`` the current content (a new save), after the unsaved prompt."""
        template = self._editor.template
        if template is None or template.id is None or not self._confirm_discard():
            return False
        try:
            restored = self._templates.restore(template.id, number)
        except (ValidationError, NotFoundError) as error:
            self._prompter.error("Cannot restore the version", str(error))
            return False
        self._show(restored, None)
        self._refresh()
        self.status_message.emit(f"Restored version {number} of '{restored.name}'")
        return True

    def restore_draft(self, draft: RecoveryDraft) -> bool:
        """Put a recovered draft in the editor as unsaved edits of its template (or a new one)."""
        template: Template | None = None
        if draft.template_id is not None:
            try:
                template = self._templates.get(draft.template_id)
            except NotFoundError:
                template = None
        if template is not None:
            self._show(template, with_content(template, draft.body, draft.subject, draft.text_body))
            return True
        email = bool(draft.subject or draft.text_body)
        created = self.create(
            Template(
                name=free_name(f"{draft.name} (recovered)", self._taken_names()),
                kind=TemplateKind.EMAIL if email else TemplateKind.WEBHOOK,
                format=OutputFormat.HTML if email else OutputFormat.JSON,
                body=draft.body,
                subject=draft.subject,
                text_body=draft.text_body,
            )
        )
        self._drafts.discard_key(draft.key)
        return created is not None
