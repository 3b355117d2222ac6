"""Every import is planned, then the planned thing is applied: counts for add/change/remove, merge and
replace, the applied plan equal to the previewed one, and a failed apply that leaves the workspace
as it was. Real workspace files, real CSV, bundle and template files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from postback_studio.core.bundle import dump_document, parse_bundle
from postback_studio.core.import_plan import Action, Counts, ImportMode, PlanChangedError
from postback_studio.core.lookup_csv import LookupCsvError
from postback_studio.core.model import (
    Customer,
    Event,
    Header,
    LookupTable,
    SmtpSettings,
    Template,
    Trigger,
)
from postback_studio.core.template_files import read_template_file
from postback_studio.services.changes import ChangeNotice, Entity
from postback_studio.services.files import UserFiles, WorkspaceFileError
from postback_studio.services.session import Session


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    with Session.open(tmp_path / "ws.sqlite", seed=False) as opened:
        yield opened


def _snapshot(session: Session) -> str:
    return dump_document(session.transfer.export())


# ---------------------------------------------------------------- lookup CSV


@pytest.fixture
def carriers(session: Session) -> LookupTable:
    return session.lookups.save(LookupTable("carriers", "shipmentMethodUid", (("ups", "UPS"), ("dhl", "DHL"),
                                                                            ("gls", "GLS"))))


def test_a_csv_import_is_planned_without_writing_then_applied_as_planned(
        session: Session, carriers: LookupTable, tmp_path: Path) -> None:
    csv = tmp_path / "carriers.csv"
    csv.write_text("key,value\r\ndhl,DHL Express\r\nups,UPS\r\nfedex,FedEx\r\n", encoding="utf-8")
    replace_plan = session.lookups.plan_csv_import(
        csv.read_bytes(), name="carriers", template_field="shipmentMethodUid", mode=ImportMode.REPLACE)
    merge_plan = session.lookups.plan_csv_import(
        csv.read_bytes(), name="carriers", template_field="shipmentMethodUid", mode=ImportMode.MERGE)
    assert session.lookups.get_by_name("carriers") == carriers, "planning writes nothing"
    assert replace_plan.rows.changes.counts == Counts(added=1, changed=1, removed=1, unchanged=1)
    assert merge_plan.rows.changes.counts == Counts(added=1, changed=1, removed=0, unchanged=2)
    heard: list[ChangeNotice] = []
    session.notices.subscribe(heard.append)
    saved = session.lookups.apply_import(merge_plan)
    assert saved.rows == merge_plan.table.rows == (
        ("ups", "UPS"), ("dhl", "DHL Express"), ("gls", "GLS"), ("fedex", "FedEx"))
    assert session.lookups.get_by_name("carriers") == saved
    assert heard == [ChangeNotice(Entity.LOOKUP_TABLE, carriers.id)]


def test_a_csv_planned_before_the_table_changed_is_not_applied(
        session: Session, carriers: LookupTable) -> None:
    plan = session.lookups.plan_csv_import(b"a,1\n", name="carriers", template_field="shipmentMethodUid")
    edited = session.lookups.save(replace(carriers, rows=(("ups", "UPS Ground"),)))
    with pytest.raises(PlanChangedError, match="changed since the import was planned"):
        session.lookups.apply_import(plan)
    assert session.lookups.get_by_name("carriers") == edited


def test_a_refused_csv_names_every_bad_line_and_changes_nothing(
        session: Session, carriers: LookupTable) -> None:
    before = _snapshot(session)
    with pytest.raises(LookupCsvError) as info:
        session.lookups.plan_csv_import(b"a,b\n,empty\nx,y,z\nok,1\n", name="carriers",
                                        template_field="shipmentMethodUid", source="bad.csv")
    assert info.value.problems == [
        "bad.csv:2: the key is empty",
        "bad.csv:3: expected 2 columns (key,value), found 3",
    ]
    assert _snapshot(session) == before


def test_a_csv_the_workspace_refuses_leaves_the_workspace_as_it_was(
        session: Session, carriers: LookupTable) -> None:
    before = _snapshot(session)
    plan = session.lookups.plan_csv_import(b"a,1\n", name="carriers", template_field="1 not a field")
    with pytest.raises(ValueError, match="template_field"):
        session.lookups.apply_import(plan)
    assert _snapshot(session) == before


# ---------------------------------------------------------------- template files


def test_a_template_file_is_planned_then_applied_as_the_next_version(
        session: Session, tmp_path: Path) -> None:
    stored = session.templates.save(Template("shipped", body='{"v": 1}'))
    assert stored.id is not None
    source = tmp_path / "shipped.json.j2"
    source.write_text('{"v": 2}', encoding="utf-8")
    plan = session.templates.plan_import(read_template_file(source).template, customer_id=None)
    assert plan.action is Action.UPDATE and plan.existing == stored
    assert len(session.templates.versions(stored.id)) == 1, "planning writes nothing"
    saved = session.templates.apply_import(plan)
    assert saved == replace(plan.template, id=stored.id) and saved.body == '{"v": 2}'
    assert len(session.templates.versions(stored.id)) == 2
    again = session.templates.plan_import(read_template_file(source).template, customer_id=None)
    assert again.action is Action.UNCHANGED
    session.templates.apply_import(again)
    assert len(session.templates.versions(stored.id)) == 2, "an unchanged import saves nothing"


def test_a_template_planned_before_it_changed_is_not_applied(session: Session) -> None:
    stored = session.templates.save(Template("shipped", body="{}"))
    plan = session.templates.plan_import(Template("shipped", body='{"a": 1}'), customer_id=None)
    edited = session.templates.save(replace(stored, body='{"b": 2}'))
    with pytest.raises(PlanChangedError):
        session.templates.apply_import(plan)
    assert session.templates.get_by_name("shipped") == edited


# ---------------------------------------------------------------- configuration bundles


def _fill(session: Session) -> None:
    acme = session.customers.save(Customer("Acme"))
    beta = session.customers.save(Customer("Beta"))
    shipped = session.templates.save(Template("shipped", body='{"id": "{{ orderId }}"}'))
    session.templates.save(Template("beta-only", body="{}", customer_id=beta.id))
    assert acme.id is not None and beta.id is not None
    session.triggers.save(Trigger(
        "hook", acme.id, Event.SHIPPED, url="https://erp.example.com/h", template_id=shipped.id,
        headers=(Header("X-Key", "secret-value-1", secret=True),), signing=True,
        signing_secret="whsec_12345678"))
    session.triggers.save(Trigger("beta hook", beta.id, Event.SHIPPED, url="https://b.example.com/h",
                                  template_id=shipped.id))
    session.lookups.save(LookupTable("carriers", "shipmentMethodUid", (("ups", "UPS"), ("dhl", "DHL"))))
    session.lookups.save(LookupTable("old codes", "code", (("a", "1"),)))
    session.smtp.set(SmtpSettings("psp@example.com", "PSP", "smtp.example.com", 587, "psp", "pw-123456"))


def _edited_bundle(session: Session) -> dict[str, Any]:
    """The workspace's own export with Beta, its template and 'old codes' left out, one customer
    added, one trigger's URL and one table's rows changed."""
    document = session.transfer.export()
    document["customers"] = [c for c in document["customers"] if c["name"] != "Beta"]
    document["customers"].append({"name": "Zed", "referenceId": "", "notes": ""})
    document["templates"] = [t for t in document["templates"] if t["name"] != "beta-only"]
    document["triggers"] = [t for t in document["triggers"] if t["customer"] != "Beta"]
    document["triggers"][0]["url"] = "https://erp.example.com/v2"
    document["lookupTables"] = [t for t in document["lookupTables"] if t["name"] != "old codes"]
    document["lookupTables"][0]["rows"] = [["ups", "UPS Ground"], ["fedex", "FedEx"]]
    return document


def test_merge_and_replace_plans_count_added_changed_removed_per_kind(session: Session) -> None:
    _fill(session)
    bundle = parse_bundle(json.dumps(_edited_bundle(session)).encode())
    before = _snapshot(session)
    merge = session.transfer.preview(bundle, ImportMode.MERGE)
    replace_plan = session.transfer.preview(bundle, ImportMode.REPLACE)
    assert _snapshot(session) == before, "a preview is a dry run"
    assert merge.counts("customer") == Counts(added=1, unchanged=1)
    assert merge.counts("trigger") == Counts(changed=1)
    assert merge.counts("lookup table") == Counts(changed=1)
    assert merge.counts("template") == Counts(unchanged=1)
    assert replace_plan.counts("customer") == Counts(added=1, removed=1, unchanged=1)
    assert replace_plan.counts("trigger") == Counts(changed=1, removed=1)
    assert replace_plan.counts("template") == Counts(removed=1, unchanged=1)
    assert replace_plan.counts("lookup table") == Counts(changed=1, removed=1)
    assert "update    trigger 'hook' (customer 'Acme'): url" in merge.lines()
    assert ("update    lookup table 'carriers': 1 row added, 1 changed, 1 removed" in merge.lines())
    assert "remove    trigger 'beta hook' (customer 'Beta')" in replace_plan.lines()
    assert "remove    lookup table 'old codes': 1 rows" in replace_plan.lines()


def test_the_applied_plan_is_the_previewed_plan_and_replace_leaves_only_the_bundle(session: Session) -> None:
    _fill(session)
    document = _edited_bundle(session)
    bundle = parse_bundle(json.dumps(document).encode())
    preview = session.transfer.preview(bundle, ImportMode.REPLACE)
    applied = session.transfer.apply(bundle, mode=ImportMode.REPLACE, expect=preview)
    assert applied == preview
    exported = session.transfer.export()
    assert [c["name"] for c in exported["customers"]] == ["Acme", "Zed"]
    assert [t["name"] for t in exported["templates"]] == ["shipped"]
    assert [t["name"] for t in exported["lookupTables"]] == ["carriers"]
    assert exported["triggers"] == document["triggers"]
    acme = session.customers.named("Acme")
    hook = session.triggers.named("hook", "Acme")
    assert acme.id is not None and hook.id is not None
    assert session.triggers.get(hook.id).signing_secret == "whsec_12345678", "kept secrets stay"


def test_an_apply_that_would_differ_from_its_preview_changes_nothing(session: Session) -> None:
    _fill(session)
    bundle = parse_bundle(json.dumps(_edited_bundle(session)).encode())
    preview = session.transfer.preview(bundle, ImportMode.MERGE)
    session.customers.save(Customer("Zed"))  # someone else adds what the preview said it would add
    before = _snapshot(session)
    heard: list[ChangeNotice] = []
    session.notices.subscribe(heard.append)
    with pytest.raises(PlanChangedError, match="Preview the import again"):
        session.transfer.apply(bundle, mode=ImportMode.MERGE, expect=preview)
    assert _snapshot(session) == before
    assert heard == []


def test_a_replace_refused_after_its_removals_rolls_every_removal_back(session: Session) -> None:
    _fill(session)
    bundle = parse_bundle(json.dumps(_edited_bundle(session)).encode())
    merge = session.transfer.preview(bundle, ImportMode.MERGE)
    before = _snapshot(session)
    with pytest.raises(PlanChangedError):  # refused at the end, after Beta and the rest were deleted
        session.transfer.apply(bundle, mode=ImportMode.REPLACE, expect=merge)
    assert _snapshot(session) == before
    beta = session.customers.get_by_name("Beta")
    assert beta is not None and session.triggers.list(customer_id=beta.id)
    assert session.lookups.get_by_name("old codes") is not None


def test_the_plan_notes_the_secrets_to_reenter_and_not_the_ones_kept(
        session: Session, tmp_path: Path) -> None:
    _fill(session)
    document = session.transfer.export()
    kept = session.transfer.preview(parse_bundle(json.dumps(document).encode()))
    assert kept.notes == (), "the workspace holds every secret the bundle needs"
    with Session.open(tmp_path / "fresh.sqlite", seed=False) as fresh:
        plan = fresh.transfer.apply(parse_bundle(json.dumps(document).encode()))
    assert plan.notes == (
        "secret to re-enter: trigger 'hook' of customer 'Acme': header 'X-Key'",
        "secret to re-enter: trigger 'hook' of customer 'Acme': signing secret",
        "secret to re-enter: SMTP password (Settings)",
    )
    assert "note: secret to re-enter: SMTP password (Settings)" in plan.lines()


# ---------------------------------------------------------------- the user's files


def test_user_files_never_write_over_the_workspace_and_write_the_rest_whole(
        session: Session, tmp_path: Path) -> None:
    files = session.files
    before = session.path.read_bytes()
    for target in (session.path, Path(f"{session.path}-wal"), Path(f"{session.path}-shm"),
                   Path(f"{session.path}.lock")):
        with pytest.raises(WorkspaceFileError, match="writing there would destroy the workspace"):
            files.write_text(target, "{}")
    assert session.path.read_bytes() == before
    assert session.customers.list() == []
    out = tmp_path / "bundle.json"
    files.write_text(out, "first\n")
    out.chmod(0o640)
    files.write_text(out, "second\n")
    assert out.read_text() == "second\n" and out.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".bundle")] == [], "no temp left"
    with pytest.raises(WorkspaceFileError, match="not a file to import"):
        UserFiles(session.path).check_input(session.path)
