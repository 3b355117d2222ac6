"""Templates as plain ``.j2`` files: what the format is, and how an email fits into one file.

A webhook template file is the template text itself; its format comes from the extension
(``.json.j2``, ``.xml.j2``, ``.html.j2``, ``.txt.j2``, or plain ``.json``/``.xml``/``.html``).
An email template (``.email.j2``) has three parts, so the file holds them as Jinja blocks, which
keeps it a valid Jinja file that any editor highlights::

    {% block subject %}Your order {{ orderReferenceId }} has shipped{% endblock %}
    {% block html %}
    <p>Hello ...</p>
    {% endblock %}
    {% block text %}
    Hello ...
    {% endblock %}

One newline right after a part's opening tag is not part of the content, so files read well and
round-trip exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from postback_studio.core.errors import InputError
from postback_studio.core.import_plan import Action, changed_fields, field_words
from postback_studio.core.model import OutputFormat, Template, TemplateKind

EMAIL_SUFFIX = ".email.j2"

_SUFFIX_FORMATS: tuple[tuple[str, OutputFormat], ...] = (
    (".json.j2", OutputFormat.JSON),
    (".xml.j2", OutputFormat.XML),
    (".html.j2", OutputFormat.HTML),
    (".txt.j2", OutputFormat.TEXT),
    (".text.j2", OutputFormat.TEXT),
    (".json", OutputFormat.JSON),
    (".xml", OutputFormat.XML),
    (".html", OutputFormat.HTML),
    (".htm", OutputFormat.HTML),
    (".txt", OutputFormat.TEXT),
    (".j2", OutputFormat.TEXT),
)

EMAIL_PARTS = ("subject", "html", "text")

_BLOCK = re.compile(
    r"\{%-?\s*block\s+(?P<name>\w+)\s*-?%\}\n?(?P<content>.*?)\{%-?\s*endblock(?:\s+\w+)?\s*-?%\}",
    re.DOTALL,
)
_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


class TemplateFileError(InputError):
    """A template file that cannot be read; the message names the file and the line."""


@dataclass(frozen=True)
class TemplateFile:
    """A template read from a file, with the file line each part starts on (1-based).

    ``part_lines`` lets diagnostics about an email's subject, HTML or text part point at the right
    line of the file: file line = part line + part_lines[part] - 1.
    """

    template: Template
    part_lines: dict[str, int] = field(default_factory=dict)


def is_email_filename(name: str) -> bool:
    """True for ``*.email.j2`` files."""
    return name.lower().endswith(EMAIL_SUFFIX)


def format_from_filename(name: str) -> OutputFormat | None:
    """The output format an extension implies, or None when the extension says nothing."""
    lower = name.lower()
    if lower.endswith(EMAIL_SUFFIX):
        return OutputFormat.HTML
    for suffix, fmt in _SUFFIX_FORMATS:
        if lower.endswith(suffix):
            return fmt
    return None


def template_name_from_filename(name: str) -> str:
    """``order-shipped.json.j2`` -> ``order-shipped``."""
    base = Path(name).name
    lower = base.lower()
    for suffix in (EMAIL_SUFFIX, *(s for s, _ in _SUFFIX_FORMATS)):
        if lower.endswith(suffix):
            return base[: -len(suffix)] or base
    return base


def suggested_filename(template: Template) -> str:
    """The file name a template exports to, so that reading it back gives the same kind and format."""
    if template.kind is TemplateKind.EMAIL:
        return f"{template.name}{EMAIL_SUFFIX}"
    ext = {OutputFormat.JSON: "json", OutputFormat.XML: "xml", OutputFormat.HTML: "html"}.get(
        template.format, "txt"
    )
    return f"{template.name}.{ext}.j2"


def parse_email_text(text: str, *, filename: str = "<email>") -> TemplateFile:
    """Split an email template file into its subject, HTML and text parts."""
    parts: dict[str, str] = {}
    part_lines: dict[str, int] = {}
    position = 0
    for match in _BLOCK.finditer(text):
        _check_only_whitespace(text, position, match.start(), filename)
        name = match.group("name")
        line = text.count("\n", 0, match.start()) + 1
        if name not in EMAIL_PARTS:
            raise TemplateFileError(
                f"{filename}:{line}: unknown email part '{name}' (expected subject, html or text)"
            )
        if name in parts:
            raise TemplateFileError(f"{filename}:{line}: the '{name}' part appears twice")
        parts[name] = match.group("content")
        part_lines[name] = text.count("\n", 0, match.start("content")) + 1
        position = match.end()
    _check_only_whitespace(text, position, len(text), filename)
    if not parts:
        raise TemplateFileError(
            f"{filename}:1: an email template needs {{% block subject %}}, {{% block html %}} "
            "and/or {% block text %} parts"
        )
    if not parts.get("html", "").strip() and not parts.get("text", "").strip():
        raise TemplateFileError(f"{filename}:1: an email template needs an html or a text part")
    template = Template(
        name=template_name_from_filename(filename),
        kind=TemplateKind.EMAIL,
        format=OutputFormat.HTML,
        subject=parts.get("subject", "").strip(),
        body=parts.get("html", ""),
        text_body=parts.get("text", ""),
    )
    return TemplateFile(template, part_lines)


def _check_only_whitespace(text: str, start: int, end: int, filename: str) -> None:
    between = _COMMENT.sub("", text[start:end])
    if between.strip():
        offset = start + (len(between) - len(between.lstrip()))
        line = text.count("\n", 0, offset) + 1
        raise TemplateFileError(
            f"{filename}:{line}: text outside the subject/html/text blocks of an email template"
        )


def email_to_text(template: Template) -> str:
    """Write an email template in the block format that :func:`parse_email_text` reads."""
    chunks = [f"{{% block subject %}}{template.subject}{{% endblock %}}\n"]
    if template.body:
        chunks.append(f"{{% block html %}}\n{template.body}{{% endblock %}}\n")
    if template.text_body:
        chunks.append(f"{{% block text %}}\n{template.text_body}{{% endblock %}}\n")
    return "".join(chunks)


def template_to_text(template: Template) -> str:
    """The file content a template exports to."""
    if template.kind is TemplateKind.EMAIL:
        return email_to_text(template)
    return template.body


def parse_template_text(text: str, filename: str, fmt: OutputFormat | None = None) -> TemplateFile:
    """Read a template from text, taking kind and format from the file name unless ``fmt`` is given."""
    if is_email_filename(filename):
        return parse_email_text(text, filename=filename)
    resolved = fmt or format_from_filename(filename) or OutputFormat.TEXT
    template = Template(
        name=template_name_from_filename(filename),
        kind=TemplateKind.WEBHOOK,
        format=resolved,
        body=text,
    )
    return TemplateFile(template, {"body": 1})


def read_template_file(path: Path, fmt: OutputFormat | None = None) -> TemplateFile:
    """Read a ``.j2`` file; unreadable or non-UTF-8 files raise :class:`TemplateFileError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TemplateFileError(f"{path}: is a directory, not a template file") from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise TemplateFileError(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise TemplateFileError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_template_text(text, str(path), fmt)


@dataclass(frozen=True)
class TemplateImportPlan:
    """A template file imported into a library: the template as applying saves it, and the template
    of that name as stored when planned (None: it is new)."""

    template: Template
    existing: Template | None

    @property
    def action(self) -> Action:
        """Create, update (a new version of the stored template) or unchanged."""
        if self.existing is None:
            return Action.CREATE
        return Action.UNCHANGED if self.existing == self.template else Action.UPDATE

    def describe(self) -> str:
        """``create template 'x'``, ``update template 'x': body, format``, ``template 'x' is unchanged``."""
        name = self.template.name
        if self.existing is None:
            return f"create template '{name}'"
        if self.action is Action.UNCHANGED:
            return f"template '{name}' is unchanged"
        fields = field_words(changed_fields(self.existing, self.template))
        return f"update template '{name}' (a new version): {fields}"


def plan_template_import(
    imported: Template, existing: Template | None, *, customer_id: int | None
) -> TemplateImportPlan:
    """Import ``imported`` under its name: a new template, or the next version of ``existing`` (the
    template that has the name), which keeps its status."""
    wanted = replace(imported, customer_id=customer_id, id=None)
    if existing is not None:
        wanted = replace(wanted, id=existing.id, status=existing.status)
    return TemplateImportPlan(wanted, existing)
