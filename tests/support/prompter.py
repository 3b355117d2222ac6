"""A Prompter that answers from lists and records what it was asked, so no modal dialog blocks a test.

Pages and the whole app take it where they take ``ui.prompts.Prompter``. A question with no answer
scripted fails the test (``IndexError``): every question a journey asks must be expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postback_studio.core.import_plan import ImportMode
from postback_studio.ui.prompts import UnsavedChoice


@dataclass
class ScriptedPrompter:
    """Answers the questions in order and records them (``asked``: every question's title or name)."""

    texts: list[str | None] = field(default_factory=list)
    confirms: list[bool] = field(default_factory=list)
    unsaved: list[UnsavedChoice] = field(default_factory=list)
    choices: list[int | None] = field(default_factory=list)
    restores: list[bool] = field(default_factory=list)
    reviews: list[ImportMode | None] = field(default_factory=list)
    open_paths: list[Path | None] = field(default_factory=list)
    save_paths: list[Path | None] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unsaved_names: list[str] = field(default_factory=list)
    chosen_from: list[tuple[str, list[str]]] = field(default_factory=list)
    previews: list[Any] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)

    @property
    def asked_unsaved(self) -> int:
        """How many times Save / Discard / Cancel was asked."""
        return len(self.unsaved_names)

    def set_parent(self, _parent: object) -> None:
        """The app sets the dialogs' parent; scripted answers need none."""

    def ask_text(self, title: str, label: str, default: str = "") -> str | None:
        return self.texts.pop(0) if self.texts else default

    def confirm(self, title: str, text: str) -> bool:
        self.questions.append(text)
        return self.confirms.pop(0)

    def unsaved_changes(self, name: str) -> UnsavedChoice:
        self.unsaved_names.append(name)
        return self.unsaved.pop(0)

    def choose(self, title: str, text: str, choices: Sequence[str]) -> int | None:
        self.chosen_from.append((text, list(choices)))
        return self.choices.pop(0)

    def review_import(self, preview: Any) -> ImportMode | None:
        self.previews.append(preview)
        return self.reviews.pop(0)

    def restore_draft(self, name: str, when: str) -> bool:
        return self.restores.pop(0)

    def open_path(self, title: str, filters: str) -> Path | None:
        return self.open_paths.pop(0) if self.open_paths else None

    def save_path(self, title: str, suggested: str, filters: str) -> Path | None:
        return self.save_paths.pop(0) if self.save_paths else None

    def error(self, title: str, text: str) -> None:
        self.errors.append(text)
