"""File > Import Configuration…: choose a bundle, preview what it changes, then Apply or Cancel.

Nothing is written before Apply. The bundle is read and checked off the GUI thread (it may be up
to 20 MB); an invalid one is refused with every problem and its JSON pointer, and nothing changes.
A valid one is dry-run in both modes through :class:`~postback_studio.services.transfer.TransferService`
(the dry run ``postback-studio import --dry-run`` prints) and shown in the preview; Apply applies
the plan on show and nothing else (should the workspace have changed meanwhile, nothing is applied
and the user is told to preview again). The pages refresh through the change notices the import
publishes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, Signal

from postback_studio.core.bundle import Bundle, BundleError, read_bundle_file
from postback_studio.core.errors import StudioError
from postback_studio.core.import_plan import ImportMode, ImportPlan
from postback_studio.services.files import UserFiles
from postback_studio.services.transfer import TransferService
from postback_studio.ui.import_preview import BundlePreview
from postback_studio.workers.jobs import JobError, JobRunner

_BUNDLE_FILTERS = "Configuration bundles (*.json);;All files (*)"


class ImportPrompts(Protocol):
    """The questions an import asks (:class:`~postback_studio.ui.prompts.Prompter` answers them)."""

    def open_path(self, title: str, filters: str) -> Path | None: ...

    def review_import(self, preview: BundlePreview) -> ImportMode | None: ...

    def error(self, title: str, text: str) -> None: ...


def problems_text(error: BundleError) -> str:
    """Every problem of a refused bundle on its own line, JSON pointer first."""
    return "\n".join(f"{problem.field or '/'}: {problem.message}" for problem in error.problems)


class ConfigurationImport(QObject):
    """Runs File > Import Configuration… from the file dialog to the applied plan.

    Args:
        transfer: Previews and applies bundles on the GUI thread's workspace connection.
        files: Refuses the workspace's own files as a bundle.
        jobs: Reads and checks the bundle file off the GUI thread.
        prompts: Asks for the file, shows the preview, reports errors.
        confirm_discard: The app's unsaved-changes questions, asked before anything is read (the
            import may change what a form shows); False stops the import.

    Signals:
        imported(object): the plan that was applied (an ``ImportPlan``).
        status_message(str): a short notice for the status bar.
    """

    imported = Signal(object)
    status_message = Signal(str)

    def __init__(
        self,
        transfer: TransferService,
        files: UserFiles,
        jobs: JobRunner,
        prompts: ImportPrompts,
        *,
        confirm_discard: Callable[[], bool] = lambda: True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._transfer = transfer
        self._files = files
        self._jobs = jobs
        self._prompts = prompts
        self._confirm_discard = confirm_discard

    def run(self, path: Path | None = None) -> bool:
        """Start: ask for the bundle (unless ``path`` is given) and read it in the background.

        Returns:
            False when nothing was started (unsaved edits kept, no file chosen, the file refused).
        """
        if not self._confirm_discard():
            return False
        path = path or self._prompts.open_path("Import Configuration", _BUNDLE_FILTERS)
        if path is None:
            return False
        try:
            self._files.check_input(path)
        except StudioError as exc:
            self._prompts.error("Cannot import the configuration", f"{exc}\nNothing was changed.")
            return False
        self._jobs.submit(
            f"Reading {path.name}",
            lambda _report, _cancelled: _read(path),
            on_done=lambda result: self._on_read(path, result),
            on_error=lambda error: self._on_read_failed(path, error),
        )
        return True

    def _on_read(self, path: Path, result: Bundle | BundleError) -> None:
        if isinstance(result, BundleError):
            self._refuse(path, result)
            return
        plans: dict[ImportMode, ImportPlan] = {}
        refused: dict[ImportMode, str] = {}
        errors: list[BundleError] = []
        for mode in ImportMode:
            try:
                plans[mode] = self._transfer.preview(result, mode)
            except BundleError as exc:
                refused[mode] = problems_text(exc)
                errors.append(exc)
        if not plans:
            self._refuse(path, errors[0])
            return
        mode = self._prompts.review_import(BundlePreview(path, plans, refused))
        if mode is None:
            self.status_message.emit(f"Import of {path.name} cancelled: nothing was changed")
            return
        try:
            plan = self._transfer.apply(result, mode=mode, expect=plans[mode])
        except BundleError as exc:
            self._refuse(path, exc)
            return
        except StudioError as exc:
            self._prompts.error("Cannot import the configuration", f"{path.name}: {exc}")
            return
        notes = len(plan.item_notes()) + len(plan.notes)
        self.status_message.emit(
            f"Imported {path.name} ({mode.value}): {plan.counts().describe('item')}"
            + (f"; {notes} note(s): see the preview" if notes else "")
        )
        self.imported.emit(plan)

    def _refuse(self, path: Path, error: BundleError) -> None:
        self._prompts.error(
            "Cannot import the configuration",
            f"{path.name} was not imported; nothing was changed.\n\n{problems_text(error)}",
        )

    def _on_read_failed(self, path: Path, error: JobError) -> None:
        self._prompts.error("Cannot import the configuration", f"{path.name}: {error.message}")


def _read(path: Path) -> Bundle | BundleError:
    """Read and check the bundle; a refusal comes back as a value (the job passes it on as is)."""
    try:
        return read_bundle_file(path)
    except BundleError as exc:
        return exc
