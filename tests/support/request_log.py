"""Request log workspaces for tests: real workspace files filled with ``RequestRecord`` values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from postback_studio.core.render_record import RenderRecord
from postback_studio.core.requestlog import RequestRecord
from postback_studio.storage.workspace import Workspace


def make_log(path: Path, records: Iterable[RequestRecord]) -> list[RequestRecord]:
    """Create an unseeded workspace at ``path`` holding ``records``; return them with their ids."""
    Workspace.open(path, seed=False).close()
    return append(path, records)


def append(path: Path, records: Iterable[RequestRecord]) -> list[RequestRecord]:
    """Append ``records`` through ``ws.requests`` (as the dispatcher does); return them with ids."""
    with Workspace.open(path, seed=False) as workspace:
        return [replace(r, id=workspace.requests.append(r)) for r in records]


def sample_records(count: int, *, start: float = 1_700_000_000.0, step: float = 60.0) -> list[RequestRecord]:
    """``count`` attempts, one every ``step`` seconds: three customers, retries, an email, a signed one.

    Every fifth delivery fails twice with 503 before it is delivered, so deliveries have several
    attempts; bodies mention ``order-<n>`` so full-text search has something to find.
    """
    from postback_studio.core.requestlog import Channel, Outcome

    customers = [(1, "Acme Prints"), (2, "Globex"), (3, "Initech")]
    records = []
    n = 0
    while len(records) < count:
        customer_id, customer_name = customers[n % 3]
        attempts = 3 if n % 5 == 0 else 1
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            email = n % 7 == 3
            signed = n % 4 == 1
            headers: tuple[tuple[str, str], ...] = (
                ("Content-Type", "application/json"),
                ("Authorization", "[redacted]"),
            )
            if signed:
                headers += (
                    ("webhook-id", f"msg_{n}"),
                    ("webhook-timestamp", str(int(start))),
                    ("webhook-signature", "v1,c2lnbmF0dXJl"),
                )
            body = f'{{"orderId":"order-{n}","attempt":{attempt}}}'.encode()
            records.append(
                RequestRecord(
                    delivery_id=f"msg_{n}",
                    attempt=attempt,
                    channel=Channel.EMAIL if email else Channel.WEBHOOK,
                    outcome=Outcome.DELIVERED if last else Outcome.RETRYING,
                    started_at=start + step * len(records),
                    event=["shipped", "received", "delivered"][n % 3],
                    target=f"ops{n % 3}@example.test"
                    if email
                    else f"http://127.0.0.1:8765/hooks/{customer_id}",
                    payload=f'{{"orderId": "order-{n}"}}',
                    processing=RenderRecord("synthetic", output=body.decode()).dumps(),
                    request_method="" if email else "POST",
                    request_headers=() if email else headers,
                    request_body=body,
                    response_status=None if email else (200 if last else 503),
                    response_body=b"" if last else b"try later",
                    smtp_transcript="> EHLO studio\n< 250 ok\n> AUTH PLAIN [redacted]\n< 235 ok"
                    if email
                    else "",
                    duration=0.012 * attempt,
                    customer_id=customer_id,
                    customer_name=customer_name,
                    trigger_id=10 + n % 3,
                    trigger_name=f"Order {['shipped', 'received', 'delivered'][n % 3]} hook",
                    is_test=n % 2 == 0,
                )
            )
            if len(records) == count:
                break
        n += 1
    return records
