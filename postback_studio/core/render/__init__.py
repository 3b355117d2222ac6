"""The render engine: sandboxed Jinja2 in a worker process, field resolution and output validation."""

from postback_studio.core.render.engine import RenderEngine, TemplateRendering
from postback_studio.core.render.fields import (
    Binding,
    FieldRef,
    TemplateAnalysis,
    analyze_fields,
    analyze_template,
)
from postback_studio.core.render.resolve import resolve_fields
from postback_studio.core.render.result import (
    Diagnostic,
    FieldUse,
    Location,
    LookupUse,
    RenderResult,
    Severity,
    Where,
)
from postback_studio.core.render.validate import SchemaFileError

__all__ = [
    "Binding",
    "Diagnostic",
    "FieldRef",
    "FieldUse",
    "Location",
    "LookupUse",
    "RenderEngine",
    "RenderResult",
    "SchemaFileError",
    "Severity",
    "TemplateAnalysis",
    "TemplateRendering",
    "Where",
    "analyze_fields",
    "analyze_template",
    "resolve_fields",
]
