"""The template doctor: find the payload that breaks a template before production does, and fix it.

* :mod:`.variants`: one-change variants of a payload (hostile strings, resized arrays, nulls);
* :mod:`.edge_cases`: the edge-case check, every variant rendered in batches and what breaks
  grouped by template location (:func:`check_edge_cases` for a template text,
  :func:`check_template_edge_cases` for a stored template);
* :mod:`.scan`: the template's tags at exact offsets and the JSON/XML context of each value;
* :mod:`.lints` (with :mod:`.base`, :mod:`.loops`, :mod:`.indexes`) and :mod:`.fixes`: patterns
  that break on real data, each with a quick fix made of text edits applied as one step;
* :mod:`.compare`: two versions rendered against every sample and variant ("what changes if I
  save this?");
* :mod:`.progress`: how far a long run got, and stopping it; :mod:`.runs`: the runs as the GUI
  starts them on a worker thread.

Everything here returns values for the GUI and the command line to show; nothing here shows them.
"""

from postback_studio.core.doctor.base import Lint
from postback_studio.core.doctor.compare import OutputChange, VersionComparison, compare_versions
from postback_studio.core.doctor.edge_cases import (
    EdgeCaseExample,
    EdgeCaseFinding,
    EdgeCaseReport,
    check_edge_cases,
    check_template_edge_cases,
)
from postback_studio.core.doctor.fixes import FixError, QuickFix, TextEdit, apply_edits
from postback_studio.core.doctor.lints import lint_source, lint_template
from postback_studio.core.doctor.progress import CancelledError, Progress
from postback_studio.core.doctor.variants import Change, ChangeKind, Variant, derive_changes

__all__ = [
    "CancelledError",
    "Change",
    "ChangeKind",
    "EdgeCaseExample",
    "EdgeCaseFinding",
    "EdgeCaseReport",
    "FixError",
    "Lint",
    "OutputChange",
    "Progress",
    "QuickFix",
    "TextEdit",
    "Variant",
    "VersionComparison",
    "apply_edits",
    "check_edge_cases",
    "check_template_edge_cases",
    "compare_versions",
    "derive_changes",
    "lint_source",
    "lint_template",
]
