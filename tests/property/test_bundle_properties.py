"""Mutated and random bundles are imported whole or refused with the workspace unchanged.

Each example starts from a real export, mutates it (values, types, keys, list entries, raw bytes)
and imports it into a fresh copy of a workspace that already holds a configuration (so conflicts
happen). Either the import raises :class:`BundleError` naming where, and a new export of the
workspace is identical to the one before; or it succeeds, and applying the same bundle again
changes nothing (everything in it arrived).
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from postback_studio.core.bundle import BundleError, dump_document, parse_bundle
from postback_studio.core.model import (
    Customer,
    Event,
    Header,
    LookupTable,
    OutputFormat,
    SmtpSettings,
    Template,
    Trigger,
)
from postback_studio.services.transfer import Action, apply_bundle, export_document
from postback_studio.storage.workspace import Workspace
from tests.property.strategies import json_values


def _fill(ws: Workspace) -> None:
    """Beside the seeded demo: a second customer, an XML template, a secret header, SMTP settings."""
    beta = ws.customers.add(Customer("Beta", notes="second"))
    xml = ws.templates.save(Template("beta-xml", format=OutputFormat.XML, body="<a>{{ id }}</a>"))
    ws.triggers.save(
        Trigger(
            "hook",
            beta.id or 0,
            Event.RECEIVED,
            url="http://127.0.0.1:9/postbacks",
            format=OutputFormat.XML,
            headers=(Header("X-Key", "secret-value", secret=True), Header("X-Src", "psp")),
            template_id=xml.id,
        )
    )
    ws.lookups.save(
        LookupTable("beta codes", "product_code", (("p1", "X"), ("p2", "Y")), customer_id=beta.id)
    )
    ws.smtp.set(SmtpSettings("psp@example.com", "PSP", "smtp.example.com", 587, "psp", "pw-123456"))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """A closed workspace file to copy per example, and the export document of a different one."""
    folder = tmp_path_factory.mktemp("bundles")
    with Workspace.open(folder / "source.sqlite") as source:
        _fill(source)
        source.customers.add(Customer("Gamma"))
        document = export_document(source)
    target = folder / "target.sqlite"
    with Workspace.open(target) as ws:
        _fill(ws)
        ws.customers.add(Customer("Only here"))
    yield target, document


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


#: Same-type changes weigh most: they are the ones a valid bundle can survive, so imports happen too.
MUTATIONS = (
    "same-type",
    "same-type",
    "same-type",
    "same-type",
    "value",
    "delete",
    "duplicate",
    "extra-key",
    "rename",
)


@st.composite
def mutated_documents(draw: st.DrawFn, document: dict[str, Any]) -> bytes:
    """The document with one to three structural mutations, or its text with raw bytes mutated."""
    mutated = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(mutated))
        path = draw(st.sampled_from(paths[1:]))
        parent, last = _get(mutated, path[:-1]), path[-1]
        current = parent[last]
        action = draw(st.sampled_from(MUTATIONS))
        if action == "value":
            parent[last] = draw(json_values(6))
        elif action == "same-type" and isinstance(current, str):
            parent[last] = draw(
                st.sampled_from(("", current + "x", current.upper(), "Acme", "shipped", "t\nx"))
            )
        elif action == "same-type" and isinstance(current, bool | int | float):
            parent[last] = draw(st.sampled_from((0, 1, -1, 3, 2.5, True, False, 10**9)))
        elif action == "delete":
            del parent[last]
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(int(last), copy.deepcopy(current))
        elif action == "extra-key" and isinstance(current, dict):
            current[draw(st.sampled_from(("extra", "name", "id", "customer")))] = draw(json_values(3))
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(("name", "nam", "Name", "template")))] = parent.pop(last)
    data = dump_document(mutated).encode()
    if draw(st.integers(0, 5)) == 0:
        position = draw(st.integers(0, len(data)))
        data = data[:position] + draw(st.binary(max_size=4)) + data[position + draw(st.integers(0, 4)) :]
    return data


def _export(ws: Workspace) -> str:
    return dump_document(export_document(ws))


@settings(suppress_health_check=[HealthCheck.too_slow])  # each example copies and opens a workspace file
@given(data=st.data())
def test_a_mutated_bundle_is_imported_whole_or_refused_with_nothing_changed(
    prepared: tuple[Path, dict[str, Any]], data: st.DataObject
) -> None:
    target, document = prepared
    mutated = mutated_documents(document)
    raw = data.draw(st.one_of(mutated, mutated, mutated, st.binary(max_size=64)), label="bundle")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ws.sqlite"
        shutil.copyfile(target, path)
        with Workspace.open(path) as ws:
            before = _export(ws)
            secrets_before = dict(ws.conn.execute("SELECT key, value FROM secrets").fetchall())
            try:
                bundle = parse_bundle(raw, "b.json")
                plan = apply_bundle(ws, bundle)
            except BundleError as refused:
                event("refused")
                assert refused.problems and all(p.message.strip() for p in refused.problems)
                assert all(p.field == "" or p.field.startswith("/") for p in refused.problems)
                assert _export(ws) == before
                assert dict(ws.conn.execute("SELECT key, value FROM secrets").fetchall()) == secrets_before
                return
            event("imported")
            assert len(plan.items) >= len(bundle.customers) + len(bundle.templates) + len(bundle.triggers)
            again = apply_bundle(ws, bundle, dry_run=True)
            assert {item.action for item in again.items} <= {Action.UNCHANGED}, (
                [str(i) for i in again.items if i.action is not Action.UNCHANGED],
                raw.decode("utf-8", "replace"),
            )
            assert ws.integrity_check() == "ok"


def test_the_unmutated_export_imports(prepared: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """The starting point of the mutations is itself accepted (else every example would be a refusal)."""
    target, document = prepared
    path = tmp_path / "ws.sqlite"
    shutil.copyfile(target, path)
    with Workspace.open(path) as ws:
        plan = apply_bundle(ws, parse_bundle(json.dumps(document).encode()))
        assert any(item.action is Action.CREATE for item in plan.items)
