"""The Jinja2 environment templates run in: a hardened sandbox, used only inside the render worker.

Templates are untrusted (they arrive in imported bundles), so on top of ``SandboxedEnvironment``:

* every refused access *raises* a :class:`~jinja2.exceptions.SecurityError` instead of quietly
  printing an empty string, so the integrator learns that the template was refused;
* operators and filters whose result size an argument controls (``**``, ``*``, ``%``, ``+``,
  ``center``, ``indent``, ``format``, ``replace``, ``lipsum``, ``str.format`` widths) check the size
  before computing it;
* attribute access on a mapping prefers the mapping's key, so ``{% for item in order.items %}``
  iterates the payload's ``items`` list as GelatoConnect's documented examples require, instead of
  reaching the ``dict.items`` method; where a payload object has no such key, the field is missing
  (undefined, as any other missing field), though ``order.items()`` still calls the method;
* ``|tojson`` of a missing field names the field instead of Python's "Undefined is not JSON
  serializable";
* the only GelatoConnect-specific global is ``lookups()``;
* the payload is read-only: a method that would change one of its lists or objects in place
  (``order.update(...)``, ``items.append(...)``, ``items.pop()``) is refused, so every part of an
  email and every render sees the payload as it arrived. Lists and objects the template builds
  itself stay mutable, as in plain Jinja.

The time limit and the memory ceiling are enforced outside, by the process that runs this code.
"""

from __future__ import annotations

import json
import math
import re
import string
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from jinja2 import Template, Undefined
from jinja2.exceptions import SecurityError, TemplateRuntimeError, UndefinedError
from jinja2.filters import do_center, do_indent
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import Namespace, generate_lorem_ipsum

#: Largest integer an arithmetic operator may produce, in bits (about 30,000 decimal digits).
MAX_INT_BITS = 100_000
#: Largest width a padding or formatting operation may ask for.
MAX_WIDTH = 100_000
#: Most paragraphs ``lipsum()`` may generate.
MAX_LIPSUM = 1_000

#: Methods that change a JSON container in place; refused on the payload's lists and objects.
PAYLOAD_MUTATORS: dict[type, frozenset[str]] = {
    dict: frozenset({"clear", "pop", "popitem", "setdefault", "update"}),
    list: frozenset({"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"}),
}

_PERCENT_WIDTH = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_TEMPLATE_FILENAME = "<template>"


def _json_dumps(value: Any, **options: Any) -> str:
    """What ``json.dumps(value, **options)`` returns, through one encoder for ``tojson``'s options.

    ``json.dumps`` builds a new encoder on every call with options (``tojson`` always passes
    ``sort_keys=True`` and our ``default``), which is most of the cost of a ``tojson``; a template
    writing each value of a 200-item order through ``tojson`` calls it over a thousand times per
    render.
    """
    if options == _TOJSON_OPTIONS:
        return _TOJSON_ENCODER.encode(value)
    return json.dumps(value, **options)


class SizeLimitError(Exception):
    """An operation would build a value larger than the sandbox allows."""


class LookupMissError(Exception):
    """``lookups(..., strict=True)`` found no row for its key."""


@dataclass
class LookupBook:
    """What ``lookups()`` can see during one render, and what it was asked.

    ``uses`` keeps each distinct (field, key, hit) once, with the value and the line of its first use:
    a template that looks up the carrier of 400 fulfillments reports two carriers, not 400 rows.

    The worker keeps one book per environment and swaps ``tables`` and ``uses`` per request, because
    compiled templates capture the environment's globals once, at compile time.
    """

    tables: dict[str, dict[str, str]] = field(default_factory=dict)
    uses: dict[tuple[str, str, bool], tuple[str, int | None]] = field(default_factory=dict)
    template: Template | None = None

    def function(self) -> Callable[..., Any]:
        """The ``lookups`` global: a plain function, so templates cannot reach this book's state."""

        def lookups(mapping: Any, strict: bool = False, default: Any = "") -> Any:
            return self.lookup(mapping, strict, default)

        return lookups

    def lookup(self, mapping: Any, strict: bool = False, default: Any = "") -> Any:
        """GelatoConnect's ``lookups({"<template field>": key}, strict=False, default="")``."""
        if not isinstance(mapping, Mapping) or len(mapping) != 1:
            raise TemplateRuntimeError(
                'lookups() takes a mapping with one entry: lookups({"<template field>": key})'
            )
        ((table_field, key),) = mapping.items()
        field_name = str(table_field)
        key_text = "" if key is None or isinstance(key, Undefined) else str(key)
        table = self.tables.get(field_name)
        if table is not None and key_text in table:
            value = table[key_text]
            self.uses.setdefault((field_name, key_text, True), (value, None))
            return value
        if (field_name, key_text, False) not in self.uses:
            self.uses[field_name, key_text, False] = (str(default), self._template_line())
        if strict:
            where = "no lookup table" if table is None else "no row"
            raise LookupMissError(
                f"lookup miss: {where} for field '{field_name}' with key '{key_text}' (strict=True)"
            )
        return default

    def _template_line(self) -> int | None:
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == _TEMPLATE_FILENAME and self.template is not None:
                return self.template.get_corresponding_lineno(frame.f_lineno)
            frame = frame.f_back
        return None


def _int_bits(value: Any) -> int:
    return value.bit_length() if isinstance(value, int) else 0


def _sized(value: Any) -> bool:
    return isinstance(value, str | list | tuple)


def _check_power(left: Any, right: Any) -> None:
    ints = isinstance(left, int) and isinstance(right, int)
    if ints and right > 0 and abs(left) > 1 and right * math.log2(abs(left)) > MAX_INT_BITS:
        raise SizeLimitError(
            f"{left} ** {right} is too large a number for the sandbox (over {MAX_INT_BITS} bits)"
        )


def _check_percent(fmt: str, args: Any) -> None:
    values = args if isinstance(args, tuple) else (args,)
    for match in _PERCENT_WIDTH.finditer(fmt):
        for group in match.groups():
            if group == "*":
                if any(isinstance(v, int) and abs(v) > MAX_WIDTH for v in values):
                    raise SizeLimitError(f"a format width over {MAX_WIDTH} is not allowed")
            elif group is not None and int(group) > MAX_WIDTH:
                raise SizeLimitError(f"a format width of {group} is over the limit of {MAX_WIDTH}")


def _json_default(value: Any) -> Any:
    """``|tojson``'s fallback: a missing field is named in the payload's terms."""
    if isinstance(value, Undefined):
        name = value._undefined_name or "a value"
        raise UndefinedError(f"'{name}' is not in the payload (tojson of an undefined value)")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


#: ``tojson``'s options, and one encoder built with them (``_json_dumps``).
_TOJSON_OPTIONS: dict[str, Any] = {"sort_keys": True, "default": _json_default}
_TOJSON_ENCODER = json.JSONEncoder(sort_keys=True, default=_json_default)


class MissingKey(Undefined):
    """A payload object's missing key that shares its name with a ``dict`` method (``order.items``).

    It is undefined like any missing field (``|length`` is 0, it prints as nothing), so payload data
    never turns into a Python method; calling it (``order.items()``) still calls the method, so the
    plain Jinja idiom keeps working.
    """

    __slots__ = ("_method",)
    # What the sandbox and Jinja's call machinery ask a callable (an Undefined fails on any name).
    unsafe_callable = False
    alters_data = False
    jinja_pass_arg = None

    def __init__(self, method: Callable[..., Any], obj: Any, name: str) -> None:
        super().__init__(obj=obj, name=name)
        self._method = method

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the ``dict`` method of that name."""
        return self._method(*args, **kwargs)


class StudioTemplate(Template):
    """A template that marks its render's payload read-only before the render starts."""

    def new_context(
        self,
        vars: dict[str, Any] | None = None,
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,
    ) -> Context:
        """Record the payload's containers (see :meth:`StudioEnvironment.protect_payload`)."""
        environment = self.environment
        if isinstance(environment, StudioEnvironment):
            environment.protect_payload(vars or {})
        return super().new_context(vars, shared, locals)


class StudioEnvironment(SandboxedEnvironment):
    """The sandbox every template renders in (see the module docstring for what it adds)."""

    intercepted_binops = frozenset({"**", "*", "%", "+"})
    template_class = StudioTemplate

    def __init__(self, size_limit: int, book: LookupBook) -> None:
        super().__init__(autoescape=False)
        # No constant folding at compile time: nothing a template says is evaluated before the render
        # (where the limits apply), and compiling gets faster. Output is the same either way.
        self.optimized = False
        self.size_limit = size_limit
        self.lookups_function = book.function()
        self.globals["lookups"] = self.lookups_function
        self.globals["lipsum"] = self._guarded_lipsum(generate_lorem_ipsum)
        self.filters["center"] = self._guarded_center
        self.filters["indent"] = self._guarded_indent
        self.filters["format"] = self._guarded_format
        self.filters["replace"] = self._guarded_replace
        self.policies["json.dumps_function"] = _json_dumps
        self.policies["json.dumps_kwargs"] = _TOJSON_OPTIONS
        self._payload: Mapping[str, Any] = {}
        self._payload_ids: set[int] | None = set()

    def protect_payload(self, values: Mapping[str, Any]) -> None:
        """Make the lists and objects reachable from ``values`` read-only for the render to come.

        Nothing is walked yet: the containers are found (by identity, iteratively, so a deep payload
        cannot exhaust the stack) when the template first asks for a mutating method, which is
        also the first moment the payload could change. A render that never does pays nothing.
        """
        self._payload = values
        self._payload_ids = None

    def _payload_containers(self) -> set[int]:
        if self._payload_ids is None:
            seen: set[int] = set()
            stack = [value for value in self._payload.values() if type(value) in PAYLOAD_MUTATORS]
            while stack:
                item = stack.pop()
                if id(item) in seen:
                    continue
                seen.add(id(item))
                children = item.values() if type(item) is dict else item
                stack.extend(child for child in children if type(child) in PAYLOAD_MUTATORS)
            self._payload_ids = seen
        return self._payload_ids

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Refuse the in-place changes of :data:`PAYLOAD_MUTATORS` on the payload's containers."""
        if attr in PAYLOAD_MUTATORS.get(type(obj), ()) and id(obj) in self._payload_containers():
            raise SecurityError(
                f"security restriction: the payload is read-only, so '.{attr}()' on one of its "
                f"{'objects' if type(obj) is dict else 'lists'} is refused (every part of an email and "
                "every render sees the payload as it arrived; build a new value with {% set %} instead)"
            )
        return bool(super().is_safe_attribute(obj, attr, value))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Check the size of ``**``, ``*``, ``%`` and ``+`` results before computing them."""
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            self._check_repeat(left, right)
            self._check_repeat(right, left)
            if _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
                raise SizeLimitError(f"a product over {MAX_INT_BITS} bits is too large for the sandbox")
        elif operator == "%" and isinstance(left, str):
            _check_percent(left, right)
        elif operator == "+" and _sized(left) and _sized(right) and len(left) + len(right) > self.size_limit:
            raise SizeLimitError(f"a value over the size limit ({self.size_limit}) was built")
        return super().call_binop(context, operator, left, right)

    def _check_repeat(self, seq: Any, count: Any) -> None:
        if (
            isinstance(seq, str | list | tuple)
            and isinstance(count, int)
            and len(seq) * count > self.size_limit
        ):
            raise SizeLimitError(
                f"repeating a value {count} times exceeds the size limit ({self.size_limit} characters)"
            )

    def getattr(self, obj: Any, attribute: str) -> Any:
        """Prefer a mapping's key over a method of the same name (``order.items`` is data).

        Payload objects are plain dicts, so this is also the fast path: no attribute probe and no
        ``AttributeError`` raised and caught, as the base class does for every dict key. A payload
        object without the key gives a :class:`MissingKey` rather than the method.
        """
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
            value = super().getattr(obj, attribute)
            if callable(value) and not isinstance(value, Undefined) and id(obj) in self._payload_containers():
                return MissingKey(value, obj, attribute)
            return value
        elif type(obj) is Namespace and not attribute.startswith("_"):
            values: dict[str, Any] = object.__getattribute__(obj, "_Namespace__attrs")
            if attribute in values:
                return values[attribute]
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        """Refuse loudly: a template that probes internals is an error, not an empty string."""
        raise SecurityError(
            f"security restriction: access to attribute '{attribute}' of a "
            f"'{type(obj).__name__}' object is refused"
        )

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """Refuse unsafe callables with a message that says it is a security restriction."""
        if __obj is __self.lookups_function:
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            return __obj(*args, **kwargs)
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"security restriction: calling {__obj!r} is refused")
        return __context.call(__obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Sandboxed ``str.format`` that also refuses huge or nested field widths."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt: str = value.__self__
        for _, _, spec, _ in string.Formatter().parse(fmt):
            if spec and "{" in spec:
                raise SecurityError("security restriction: nested format specifications are refused")
            if spec and any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec)):
                raise SizeLimitError(f"a format width over {MAX_WIDTH} is not allowed")
        return wrapped

    def _guarded_center(self, value: str, width: int = 80) -> str:
        if width > MAX_WIDTH:
            raise SizeLimitError(f"center() width {width} is over the limit of {MAX_WIDTH}")
        return do_center(value, width)

    def _guarded_indent(
        self, value: str, width: int | str = 4, first: bool = False, blank: bool = False
    ) -> str:
        if isinstance(width, int) and width > MAX_WIDTH:
            raise SizeLimitError(f"indent() width {width} is over the limit of {MAX_WIDTH}")
        if isinstance(width, str):
            self._check_repeat(width, str(value).count("\n") + 1)
        elif isinstance(width, int):
            self._check_repeat(" " * width, str(value).count("\n") + 1)
        return do_indent(value, width, first, blank)

    def _guarded_format(self, value: str, *args: Any, **kwargs: Any) -> str:
        if args and kwargs:
            raise TemplateRuntimeError("format() takes either positional or keyword arguments, not both")
        _check_percent(str(value), kwargs or args)
        return str(value) % (kwargs or args)

    def _guarded_replace(self, value: str, old: str, new: str, count: int | None = None) -> str:
        text = str(value)
        hits = text.count(str(old)) if old else len(text) + 1
        if count is not None:
            hits = min(hits, count)
        if len(text) + hits * len(str(new)) > self.size_limit:
            raise SizeLimitError(f"replace() would build a value over the size limit ({self.size_limit})")
        return text.replace(str(old), str(new), -1 if count is None else count)

    @staticmethod
    def _guarded_lipsum(lipsum: Callable[..., str]) -> Callable[..., str]:
        def guarded(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
            if n > MAX_LIPSUM or max > MAX_WIDTH or min > MAX_WIDTH:
                raise SizeLimitError(f"lipsum() is limited to {MAX_LIPSUM} paragraphs")
            return lipsum(n=n, html=html, min=min, max=max)

        return guarded
