"""Checking a scaffolded template: render it on the payload and compare the output with the example.

A scaffold is only as good as this check: the template must render without problems (valid output,
every field it reads present) and say what the example says. The command line reports it after
every scaffold; the tests run it on every case of the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.render.result import RenderResult
from postback_studio.core.scaffold.compare import Comparison, compare_output
from postback_studio.core.scaffold.example import Example


@dataclass(frozen=True)
class ScaffoldCheck:
    """The render of a scaffolded template and how its output compares with the example."""

    result: RenderResult
    comparison: Comparison | None

    @property
    def clean(self) -> bool:
        """Rendered valid output with no diagnostics at all (no unresolved field, no lookup miss)."""
        return self.result.valid and not self.result.diagnostics

    @property
    def reproduces(self) -> bool:
        """The output means what the example means (see :class:`Comparison`)."""
        return self.comparison is not None and self.comparison.equivalent


def check_scaffold(engine: RenderEngine, example: Example, template: str, payload: Any) -> ScaffoldCheck:
    """Render ``template`` on ``payload`` as the example's format and compare with the example."""
    result = engine.render(template, payload, fmt=example.format)
    comparison = (
        None if result.output is None else compare_output(example.text, result.output, example.format)
    )
    return ScaffoldCheck(result, comparison)
