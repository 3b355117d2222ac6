"""Import plans as values: the counts every import's confirmation shows, for rows and for items."""

from __future__ import annotations

import pytest

from postback_studio.core.import_plan import (
    Action,
    Counts,
    ImportMode,
    ImportPlan,
    PlanItem,
    changed_fields,
    field_words,
)
from postback_studio.core.lookup_rows import plan_rows, plan_table_import, row_changes
from postback_studio.core.model import LookupTable, OutputFormat, Template, TemplateKind, TemplateStatus
from postback_studio.core.template_files import plan_template_import

CURRENT = (("ups", "UPS"), ("dhl", "DHL"), ("gls", "GLS"))
INCOMING = (("dhl", "DHL Express"), ("ups", "UPS"), ("fedex", "FedEx"))


def test_replace_counts_added_changed_removed_and_keeps_only_the_file() -> None:
    plan = plan_rows(CURRENT, INCOMING, ImportMode.REPLACE)
    assert plan.rows == INCOMING
    changes = plan.changes
    assert (changes.added, changes.changed, changes.removed) == (("fedex",), ("dhl",), ("gls",))
    assert plan.changes.counts == Counts(added=1, changed=1, removed=1, unchanged=1)
    assert plan.changes.describe() == "1 row added, 1 changed, 1 removed"


def test_merge_keeps_the_other_rows_in_place_and_appends_new_keys() -> None:
    plan = plan_rows(CURRENT, INCOMING, ImportMode.MERGE)
    assert plan.rows == (("ups", "UPS"), ("dhl", "DHL Express"), ("gls", "GLS"), ("fedex", "FedEx"))
    assert plan.changes.counts == Counts(added=1, changed=1, removed=0, unchanged=2)
    assert plan.changes.describe() == "1 row added, 1 changed"


def test_counts_follow_what_lookups_see_when_keys_repeat() -> None:
    """A later duplicate key wins in a lookup; a plan counts keys, not lines."""
    before = (("a", "1"), ("a", "2"), ("b", "x"))
    assert row_changes(before, (("a", "2"), ("b", "x"))).counts == Counts(unchanged=2)
    assert row_changes(before, (("a", "1"),)).counts == Counts(changed=1, removed=1)


def test_an_import_that_changes_nothing_says_so() -> None:
    plan = plan_rows(CURRENT, CURRENT, ImportMode.REPLACE)
    assert plan.changes.counts.changes == 0
    assert plan.changes.describe() == "no rows change"
    assert Counts(added=2).describe("item") == "2 items added"
    assert Counts(removed=1, changed=3).describe("row") == "3 rows changed, 1 removed"


def test_a_table_import_plan_holds_the_table_to_save() -> None:
    stored = LookupTable("carriers", "shipmentMethodUid", CURRENT, customer_id=4, description="d", id=9)
    plan = plan_table_import(stored, INCOMING, name="carriers", template_field="shipmentMethodUid",
                             customer_id=4, mode=ImportMode.MERGE)
    assert plan.existing == stored
    assert plan.table.id == 9 and plan.table.description == "d"
    assert plan.table.rows == plan.rows.rows
    assert plan.describe() == "lookup table 'carriers' (merge): 1 row added, 1 changed"
    new = plan_table_import(None, INCOMING, name="new", template_field="f", customer_id=None)
    assert new.table.id is None and new.table.rows == INCOMING
    assert new.describe() == "create lookup table 'new' with 3 rows"


def test_a_template_import_plan_is_create_update_or_unchanged() -> None:
    stored = Template("shipped", body="{}", status=TemplateStatus.ACTIVE, customer_id=2, id=5)
    imported = Template("shipped", body='{"a": 1}')
    update = plan_template_import(imported, stored, customer_id=2)
    assert update.action is Action.UPDATE
    assert update.template.id == 5 and update.template.status is TemplateStatus.ACTIVE
    assert update.describe() == "update template 'shipped' (a new version): body"
    same = plan_template_import(Template("shipped", body="{}"), stored, customer_id=2)
    assert same.action is Action.UNCHANGED and same.describe() == "template 'shipped' is unchanged"
    create = plan_template_import(imported, None, customer_id=None)
    assert create.action is Action.CREATE and create.template.id is None
    moved = plan_template_import(
        Template("shipped", kind=TemplateKind.EMAIL, format=OutputFormat.HTML, body="<p/>", text_body="t"),
        stored, customer_id=None)
    assert moved.describe() == (
        "update template 'shipped' (a new version): kind, format, body, text part, customer")


def test_a_bundle_plan_counts_per_kind_and_prints_its_lines_then_notes() -> None:
    plan = ImportPlan(
        ImportMode.REPLACE,
        (
            PlanItem(Action.CREATE, "customer", "Acme"),
            PlanItem(Action.UPDATE, "trigger", "hook", "Acme", "url, headers"),
            PlanItem(Action.REMOVE, "trigger", "old", "Acme"),
            PlanItem(Action.UNCHANGED, "template", "t"),
        ),
        ("secret to re-enter: trigger 'hook' of customer 'Acme': header 'X-Key'",),
    )
    assert plan.counts("trigger") == Counts(changed=1, removed=1)
    assert plan.counts() == Counts(added=1, changed=1, removed=1, unchanged=1)
    assert plan.changes == 3
    assert plan.lines() == [
        "create    customer 'Acme'",
        "update    trigger 'hook' (customer 'Acme'): url, headers",
        "remove    trigger 'old' (customer 'Acme')",
        "unchanged template 't'",
        "note: secret to re-enter: trigger 'hook' of customer 'Acme': header 'X-Key'",
    ]


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (LookupTable("t", "f", id=1), LookupTable("t", "g", customer_id=3, id=2), "template field, customer"),
        (Template("t", body="a"), Template("t", body="a"), ""),
    ],
)
def test_changed_fields_name_what_differs_in_words(old: object, new: object, words: str) -> None:
    assert field_words(changed_fields(old, new)) == words
