"""Built-in sample payloads: one per event plus named variants, shipped in ``resources/samples``.

A sample is named ``EVENT`` (``shipped``) or ``EVENT.VARIANT`` (``shipped.multi-item``); the file is
``<name>.json``. The base samples follow one single-item order (ACME-100234) through its life, the
``multi-item`` variants a split-shipment order (ACME-100235) with several items and fulfillments, so
an integrator can see whether a template holds for more than the happy single-item case.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from postback_studio.core.errors import InputError
from postback_studio.core.model import Event
from postback_studio.core.paths import resources_dir


class UnknownSampleError(InputError):
    """A sample or event name that does not exist; the message lists the valid names."""


def _samples_dir() -> Path:
    return resources_dir() / "samples"


@functools.cache
def _all_stems() -> tuple[str, ...]:
    """The shipped sample files never change while we run: list them once (simulations ask per order)."""
    return tuple(sorted(p.name[: -len(".json")] for p in _samples_dir().glob("*.json")))


@functools.cache
def _sample_text(name: str) -> str:
    return (_samples_dir() / f"{name}.json").read_text(encoding="utf-8")


def sample_names() -> list[str]:
    """Every built-in sample, grouped by event in lifecycle order, the base sample first."""
    return [name for event in Event for name in samples_for_event(event)]


def samples_for_event(event: Event | str) -> list[str]:
    """The built-in samples of one event: ``shipped`` then its variants, alphabetically."""
    resolved = _parse_event(str(event))
    stems = [s for s in _all_stems() if s == resolved.value or s.startswith(resolved.value + ".")]
    return [s for s in stems if s == resolved.value] + [
        s for s in stems if s.startswith(resolved.value + ".")
    ]


def event_of(name: str) -> Event:
    """The event a sample name belongs to: ``shipped.multi-item`` -> ``Event.SHIPPED``."""
    return _parse_event(name.split(".", 1)[0])


def load_sample(name: str) -> Any:
    """The payload of a built-in sample, parsed from JSON.

    Raises:
        UnknownSampleError: no such sample; the message lists the valid names.
    """
    event = event_of(name)
    if name not in samples_for_event(event):
        raise UnknownSampleError(
            f"unknown sample '{name}'; samples of {event.value}: {', '.join(samples_for_event(event))}"
        )
    # A fresh object every time: callers may change the payload they get.
    return json.loads(_sample_text(name))


def _parse_event(text: str) -> Event:
    try:
        return Event(text)
    except ValueError:
        valid = ", ".join(e.value for e in Event)
        raise UnknownSampleError(f"unknown event '{text}'; events: {valid}") from None
