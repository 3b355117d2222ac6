"""What stands between a tested trigger and its activation: the template's problems with the samples.

The help article says to test, then set the trigger and template to active. A single successful test
send proves one payload; the template may still break on another sample of the same event (the
article's own example breaks on an order with several fulfillments). So activation is offered with
the problems of every built-in sample of the trigger's event listed first.
"""

from __future__ import annotations

from postback_studio.core.check import check_template
from postback_studio.core.model import Event, LookupSet, Template
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.samples import samples_for_event


def sample_problems(engine: RenderEngine, template: Template, event: Event,
                    lookups: LookupSet | None = None) -> list[str]:
    """One line per failing sample of ``event``: ``"shipped.multi-item: <first problem>"``.

    Empty when every sample renders to valid output. Runs renders, so call it off the GUI thread.
    """
    problems = []
    for row in check_template(engine, template, samples_for_event(event), lookups=lookups):
        if not row.passed:
            detail = row.first_problem.message if row.first_problem is not None else "invalid output"
            problems.append(f"{row.sample}: {detail}")
    return problems
