"""What the Templates page's renders are asked to render, read from the page's parts.

The preview, "Check against all samples", Check Edge Cases and "what changes if I save this" all
render the template as typed against samples and lookups. Which samples (those of the template's
events, or of its triggers' events) and which lookups (the "Lookups for" customer's) is decided
here once, so the four agree and the page only wires them.
"""

from __future__ import annotations

from typing import Any

from postback_studio.core.doctor.runs import EdgeCaseRequest
from postback_studio.core.model import LookupSet
from postback_studio.core.template_library import CheckRequest, PreviewRequest, check_selectors
from postback_studio.ui.lookups_for import LookupsForCombo
from postback_studio.ui.ports import LookupStore, TriggerStore
from postback_studio.ui.sample_picker import SamplePicker
from postback_studio.ui.template_editor import TemplateEditor


class TemplateRequests:
    """Builds the requests of the previews and checks from the editor, the sample picker and the
    "Lookups for" combo, at the moment they are asked for."""

    def __init__(
        self,
        editor: TemplateEditor,
        samples: SamplePicker,
        customer: LookupsForCombo,
        *,
        triggers: TriggerStore,
        lookups: LookupStore,
    ) -> None:
        """Read from these parts; ``triggers`` says which events use the template, ``lookups`` what
        ``lookups()`` sees for a customer."""
        self._editor = editor
        self._samples = samples
        self._customer = customer
        self._triggers = triggers
        self._lookup_store = lookups

    def sample_selectors(self, *, with_triggers: bool = True) -> list[str]:
        """The samples the template on show is about: its events (or those of its triggers)."""
        template = self._editor.template
        if template is None:
            return []
        events = []
        if with_triggers and template.id is not None:
            events = [t.event for t in self._triggers.list(template_id=template.id)]
        return check_selectors(template, events)

    def lookups(self) -> dict[str, dict[str, str]]:
        """The lookup tables of the customer chosen under "Lookups for"."""
        return self._lookup_store.lookup_set_for(self._customer.customer_id())

    def preview(self) -> PreviewRequest | None:
        """The live preview's request: the template as typed on the sample in the picker."""
        edited = self._editor.edited_template()
        if edited is None or self._samples.payload is None:
            return None
        choice = self._samples.current()
        sample = choice.check_name if choice is not None else "sample"
        return PreviewRequest(edited, self._samples.payload, self.lookups(), sample)

    def sample_plan(self) -> tuple[dict[str, Any], LookupSet]:
        """The samples the checks use (of the template's events; ``None``: a built-in) and the lookups."""
        samples, _ = self._samples.check_plan(self.sample_selectors())
        return samples, self.lookups()

    def edge_cases(self) -> EdgeCaseRequest | None:
        """Check Edge Cases' request: the template as typed over the samples of its events."""
        edited = self._editor.edited_template()
        if edited is None:
            return None
        samples, lookups = self.sample_plan()
        return EdgeCaseRequest(edited, samples, lookups)

    def check(self) -> tuple[CheckRequest, dict[str, str]] | None:
        """"Check against all samples": the request, and how a result's name leads back to its sample."""
        edited = self._editor.edited_template()
        if edited is None:
            return None
        samples, names = self._samples.check_plan(self.sample_selectors())
        return CheckRequest(edited, samples, self.lookups()), names
