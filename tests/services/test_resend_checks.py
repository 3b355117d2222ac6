"""Resend says what the row does not show before anything goes out (review item 7).

A logged request whose trigger now sends elsewhere is resent there only when the caller confirms
it (``SendOptions.to_current_destination``); without its trigger, a request that carried secret
headers or a signature is refused, never "delivered" with them silently dropped. Real workspace
files, the real delivery service and two HTTP inboxes on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from postback_studio.core.dispatch.inbox import HttpInbox
from postback_studio.core.model import Header, RetryPolicy, Trigger
from postback_studio.core.render.engine import RenderEngine
from postback_studio.core.requestlog import Outcome
from postback_studio.core.samples import load_sample
from postback_studio.services.delivery import DeliveryService, SendOptions
from postback_studio.services.delivery.resend import ResendCheck
from postback_studio.services.session import Session

TRIGGER = "Order shipped to local inbox"


@pytest.fixture(scope="module")
def engine() -> Iterator[RenderEngine]:
    with RenderEngine(max_workers=1) as render_engine:
        yield render_engine


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    with Session.open(tmp_path / "ws.sqlite") as opened:
        yield opened


@pytest.fixture
def service(session: Session, engine: RenderEngine) -> Iterator[DeliveryService]:
    with DeliveryService.for_workspace(session.path, engine, notices=session.notices) as made:
        yield made


@pytest.fixture
def receivers() -> Iterator[tuple[HttpInbox, HttpInbox]]:
    with HttpInbox() as first, HttpInbox() as second:
        yield first, second


def aimed(session: Session, url: str, **changes: object) -> Trigger:
    """The seeded webhook trigger, sent to ``url`` without retries, saved."""
    listed = session.triggers.named(TRIGGER)
    assert listed.id is not None
    stored = session.triggers.get(listed.id)
    return session.triggers.save(replace(stored, url=url, retry=RetryPolicy.none(), **changes))


def sent_once(session: Session, service: DeliveryService, trigger: Trigger) -> int:
    assert trigger.id is not None
    assert service.send_test(trigger.id, load_sample("shipped")).delivered
    [logged] = session.requests.query(limit=5)
    assert logged.id is not None
    return logged.id


def test_a_moved_trigger_is_named_and_resent_there_only_when_confirmed(
    session: Session, service: DeliveryService, receivers: tuple[HttpInbox, HttpInbox]
) -> None:
    old, new = receivers
    request_id = sent_once(session, service, aimed(session, old.url + "/postbacks"))
    aimed(session, new.url + "/v2")
    [check] = service.check_resend([request_id])
    assert check == ResendCheck(request_id, old.url + "/postbacks", current=new.url + "/v2")

    [unconfirmed] = service.resend([request_id])
    assert unconfirmed.outcome is Outcome.BLOCKED and not unconfirmed.delivered
    error = unconfirmed.attempts[0].record.error
    assert new.url + "/v2" in error and old.url + "/postbacks" in error
    assert len(old.requests) == 1 and new.requests == [], "nothing went anywhere"

    [confirmed] = service.resend([request_id], SendOptions(to_current_destination=True))
    assert confirmed.delivered and len(new.requests) == 1 and len(old.requests) == 1


def test_an_unchanged_destination_asks_nothing(
    session: Session, service: DeliveryService, receivers: tuple[HttpInbox, HttpInbox]
) -> None:
    old, _ = receivers
    request_id = sent_once(session, service, aimed(session, old.url + "/postbacks"))
    [check] = service.check_resend([request_id])
    assert not check.moved and check.refused == ""
    assert service.resend([request_id])[0].delivered and len(old.requests) == 2


def test_without_its_trigger_a_request_that_carried_a_secret_header_is_refused(
    session: Session, service: DeliveryService, receivers: tuple[HttpInbox, HttpInbox]
) -> None:
    old, _ = receivers
    trigger = aimed(session, old.url + "/postbacks",
                    headers=(Header("Authorization", "Bearer s3cret-token", secret=True),))
    request_id = sent_once(session, service, trigger)
    assert old.requests[0].header("Authorization") == "Bearer s3cret-token"
    assert trigger.id is not None
    session.triggers.delete(trigger.id)

    [check] = service.check_resend([request_id])
    assert "trigger was deleted" in check.refused and "Authorization" in check.refused
    assert "s3cret" not in check.refused
    [report] = service.resend([request_id])
    assert report.outcome is Outcome.BLOCKED and not report.delivered
    assert report.attempts[0].record.error.startswith("Not resent: ")
    assert len(old.requests) == 1, "never sent without its header"


def test_without_its_trigger_a_plain_request_is_still_resent(
    session: Session, service: DeliveryService, receivers: tuple[HttpInbox, HttpInbox]
) -> None:
    old, _ = receivers
    trigger = aimed(session, old.url + "/postbacks", headers=(Header("X-Shop", "plain"),))
    request_id = sent_once(session, service, trigger)
    assert trigger.id is not None
    session.triggers.delete(trigger.id)
    [check] = service.check_resend([request_id])
    assert check.refused == "" and not check.moved
    assert service.resend([request_id])[0].delivered
    assert old.requests[1].header("X-Shop") == "plain"
