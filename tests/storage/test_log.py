"""The request log (filters, full-text search, paging), pending retries and the local inbox."""

from __future__ import annotations

from dataclasses import replace

import pytest

from postback_studio.core.errors import NotFoundError
from postback_studio.core.model import Customer, Event, Header, Trigger
from postback_studio.core.records import InboxEmail, InboxHttpRequest, PendingState, StoredRetry
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord
from postback_studio.core.requests_view import RequestFilter
from postback_studio.storage.requests import fts_query
from postback_studio.storage.workspace import Workspace


def _record(n: int, **changes: object) -> RequestRecord:
    base = RequestRecord(
        delivery_id=f"msg_{n // 3}",
        attempt=n % 3 + 1,
        channel=Channel.WEBHOOK,
        outcome=Outcome.DELIVERED,
        started_at=1000.0 + n,
        event="shipped",
        target=f"https://host{n}.example.com/hook",
        payload='{"id": 1}',
        request_method="POST",
        request_headers=(("Content-Type", "application/json"),),
        request_body=f'{{"order": "ORD-{n}"}}'.encode(),
        response_status=200,
        response_headers=(("Server", "test"),),
        response_body=b"ok",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_append_get_round_trip_exact_bytes(ws: Workspace) -> None:
    record = _record(
        1, request_body=b"\x00\xff binary \r\n", duration=0.25, is_test=True, next_attempt_at=5.0
    )
    rid = ws.requests.append(record)
    assert ws.requests.get(rid) == replace(record, id=rid)
    with pytest.raises(NotFoundError):
        ws.requests.get(rid + 100)


def test_query_filters_count_and_paging(ws: Workspace) -> None:
    for n in range(30):
        ws.requests.append(
            _record(
                n,
                outcome=Outcome.FAILED if n % 5 == 0 else Outcome.DELIVERED,
                customer_id=n % 2,
                trigger_id=n % 3,
                event="delivered" if n >= 25 else "shipped",
                is_test=n < 10,
                error="connection refused" if n == 7 else "",
            )
        )
    assert ws.requests.count() == 30
    newest = ws.requests.query(limit=5)
    assert [r.started_at for r in newest] == [1029.0, 1028.0, 1027.0, 1026.0, 1025.0]
    assert ws.requests.count(RequestFilter(outcomes=(Outcome.FAILED,))) == 6
    assert ws.requests.count(RequestFilter(customer_id=1)) == 15
    assert ws.requests.count(RequestFilter(trigger_id=2)) == 10
    assert ws.requests.count(RequestFilter(event="delivered")) == 5
    assert ws.requests.count(RequestFilter(is_test=True)) == 10
    assert ws.requests.count(RequestFilter(since=1010.0, until=1020.0)) == 10
    assert [r.started_at for r in ws.requests.query(RequestFilter(text="refused"))] == [1007.0]
    assert ws.requests.count(RequestFilter(text="ORD-12")) == 1
    assert ws.requests.count(RequestFilter(text="host29.example")) == 1
    assert ws.requests.count(RequestFilter(text='"; DROP TABLE requests; --')) == 0
    by_offset = ws.requests.query(limit=7, offset=7)
    page = ws.requests.query(limit=7)
    by_keyset = ws.requests.query(limit=7, before=(page[-1].started_at, page[-1].id or 0))
    assert by_offset == by_keyset
    assert [r.attempt for r in ws.requests.for_delivery("msg_2")] == [1, 2, 3]
    plans = [
        row[3] for row in ws.conn.execute("EXPLAIN QUERY PLAN SELECT * FROM requests WHERE outcome = 'x'")
    ]
    assert any("requests_outcome" in p for p in plans)
    assert ws.requests.delete_before(1010.0) == 10
    assert ws.requests.count(RequestFilter(text="ORD-5")) == 0


def test_fts_query_quotes_words() -> None:
    assert fts_query('ship "OR" NEAR(') == '"ship" "OR" "NEAR"*'
    assert fts_query("  ") == ""


def test_append_redacts_secrets_of_its_trigger(ws: Workspace) -> None:
    customer = ws.customers.add(Customer("Acme"))
    trigger = ws.triggers.save(
        Trigger(
            "t",
            customer.id or 0,
            Event.SHIPPED,
            url="https://x.example/h",
            headers=(Header("Authorization", "Bearer tok-987654", secret=True),),
            signing=True,
            signing_secret="whsec_zyxwvuts",
        )
    )
    rid = ws.requests.append(
        _record(
            1,
            trigger_id=trigger.id,
            request_headers=(("Authorization", "Bearer tok-987654"), ("X", "whsec_zyxwvuts")),
            error="server echoed Bearer tok-987654",
        )
    )
    stored = ws.requests.get(rid)
    assert stored.request_headers == (("Authorization", "<redacted>"), ("X", "<redacted>"))
    assert "tok-987654" not in stored.error


def test_pending_retries_survive_reopen_and_cancel(ws_path) -> None:  # type: ignore[no-untyped-def]
    with Workspace.open(ws_path, seed=False) as ws:
        first = ws.pending.schedule(
            StoredRetry("msg_1", 1, due_at=50.0, attempt=2, payload="{}", event="shipped")
        )
        second = ws.pending.schedule(StoredRetry("msg_2", 1, due_at=10.0, attempt=2, payload="{}"))
        ws.pending.schedule(StoredRetry("msg_2", 1, due_at=20.0, attempt=3, payload="{}"))
    with Workspace.open(ws_path, seed=False) as ws:
        assert [p.due_at for p in ws.pending.due(now=30.0)] == [10.0, 20.0]
        assert ws.pending.get(first.id or 0) == first
        assert ws.pending.claim(second.id or 0) and not ws.pending.claim(second.id or 0)
        assert ws.pending.recover() == 1
        assert ws.pending.cancel_delivery("msg_2") == 2
        assert ws.pending.cancel(first.id or 0) and not ws.pending.cancel(first.id or 0)
        assert ws.pending.due(now=100.0) == []
        assert {p.state for p in ws.pending.list(None)} == {PendingState.CANCELED}


def test_inbox_records_http_and_email(ws: Workspace) -> None:
    request = InboxHttpRequest(
        1.0, "POST", "/postbacks?x=1", (("Content-Type", "application/json"),), b"{\r\n}", "127.0.0.1"
    )
    rid = ws.inbox.add_http(request)
    assert ws.inbox.get_http(rid) == replace(request, id=rid)
    email = InboxEmail(2.0, "psp@example.com", ("a@example.com", "b@example.com"), b"Subject: x\r\n\r\nbody")
    eid = ws.inbox.add_email(email)
    assert ws.inbox.list_email() == [replace(email, id=eid)]
    assert ws.inbox.list_http() == [replace(request, id=rid)]
    ws.inbox.clear()
    assert ws.inbox.list_http() == [] and ws.inbox.list_email() == []


def test_a_batch_is_stored_in_order_without_the_smtp_password_read_once(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log writer's batches (issue 16): every entry cleaned as one append cleans it, in order,
    the SMTP settings read once per batch instead of once per entry."""
    from postback_studio.core.model import SmtpSettings

    ws.smtp.set(SmtpSettings("psp@example.com", "PSP", "smtp.example.com", 587, "psp", "smtp-PW-5521"))
    reads: list[int] = []
    real = ws.smtp.get
    monkeypatch.setattr(ws.smtp, "get", lambda: reads.append(1) or real())
    records = [_record(n, error=f"server said smtp-PW-5521 ({n})") for n in range(5)]
    ids = ws.requests.append_all([(record, None) for record in records])
    assert len(reads) == 1
    assert ids == sorted(ids) and len(set(ids)) == 5
    for n, rid in enumerate(ids):
        stored = ws.requests.get(rid)
        assert stored.request_body == records[n].request_body
        assert "smtp-PW-5521" not in stored.error and f"({n})" in stored.error
