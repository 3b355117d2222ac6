"""After a delivered Send Test, the offer to activate the trigger, with the template's problems first.

It exists apart from the trigger form because the offer has its own work: the template is checked
against every sample of the trigger's event off the GUI thread (only the newest check counts), and
the text says what activating would change (the trigger, and its template when that is a draft) and
what the check found. The form asks for the offer and runs the activation itself.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from postback_studio.core.model import Event, LookupSet, Template, TemplateStatus, Trigger, TriggerStatus
from postback_studio.ui.form_layout import row
from postback_studio.workers.jobs import JobError, JobRunner

#: Problems of a template against every sample of an event, given the lookups the customer sees
#: (``functools.partial(core.activation.sample_problems, engine)``); called off the GUI thread.
TemplateChecker = Callable[[Template, Event, LookupSet], list[str]]
#: What ``lookups()`` sees for a customer (``ws.lookups.lookup_set_for``); called on the GUI thread.
LookupSetFor = Callable[[int | None], LookupSet]


class ActivationOffer(QFrame):
    """"Activate this trigger?" under the trigger form, with an Activate button (hidden until offered).

    Signals:
        offered(list): the offer was made, or nothing was left to activate; the template's problems
            against the event's samples (empty when none).
    """

    offered = Signal(list)

    def __init__(
        self,
        jobs: JobRunner,
        check_template: TemplateChecker,
        lookup_set_for: LookupSetFor,
        shown: Callable[[], tuple[Trigger, Template | None]],
        parent: QWidget | None = None,
    ) -> None:
        """Check templates on ``jobs`` with ``check_template``, over the lookups ``lookup_set_for`` gives.

        ``shown`` gives the trigger in the form and its template, read when a check starts and
        again when the offer is made.
        """
        super().__init__(parent)
        self._shown = shown
        self._jobs = jobs
        self._check_template = check_template
        self._lookup_set_for = lookup_set_for
        # Only the latest check counts: an answer to an older one is stale and dropped.
        self._sequence = 0
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.activate_button = QPushButton("Activate")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.text)
        layout.addWidget(row(None, self.activate_button))
        self.hide()

    def check_and_offer(self) -> None:
        """Check the template against the samples of the trigger's event off the GUI thread, then offer.

        Without a template there is nothing to check: the offer comes at once.
        """
        trigger, template = self._shown()
        if template is None:
            self.offer([])
            return
        # The workspace belongs to the GUI thread: read what the check needs here, render over there.
        lookups = self._lookup_set_for(trigger.customer_id)
        checker, event = self._check_template, trigger.event
        self._sequence += 1
        sequence = self._sequence

        def done(problems: list[str]) -> None:
            if sequence == self._sequence:
                self.offer([str(p) for p in problems])

        def failed(error: JobError) -> None:
            if sequence == self._sequence:
                self.offer([f"The samples could not be checked: {error.message}"])

        self._jobs.submit(f"Checking '{template.name}' against the samples",
                          lambda _report, _cancelled: checker(template, event, lookups),
                          on_done=done, on_error=failed)

    def offer(self, problems: list[str]) -> None:
        """Show the offer for the trigger on show (and its draft template), ``problems`` first; hidden
        when both are active already."""
        trigger, template = self._shown()
        what = "this trigger"
        if template is not None and template.status is TemplateStatus.DRAFT:
            what += f" and its draft template '{template.name}'"
        if trigger.status is TriggerStatus.ACTIVE and (template is None
                                                       or template.status is TemplateStatus.ACTIVE):
            self.hide()
            self.offered.emit(problems)
            return
        text = f"Activate {what}? Only active triggers fire on real events."
        if problems:
            shown = "\n".join(f"• {p}" for p in problems[:5])
            more = f"\n… and {len(problems) - 5} more" if len(problems) > 5 else ""
            text = (f"⚠ The template has problems with samples of {trigger.event.label}:\n{shown}{more}\n\n"
                    + text)
            self.activate_button.setText("Activate Anyway")
        else:
            self.activate_button.setText("Activate")
        self.text.setText(text)
        self.show()
        self.offered.emit(problems)

