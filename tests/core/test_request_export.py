"""JSON and CSV exports of the request log: deterministic, complete, and without credentials."""

from __future__ import annotations

import csv
import io
import json

from postback_studio.core.request_export import CSV_COLUMNS, export_csv, export_json
from postback_studio.core.requestlog import Channel, Outcome, RequestRecord


def _records() -> list[RequestRecord]:
    base = RequestRecord(
        delivery_id="d1", attempt=1, channel=Channel.WEBHOOK, outcome=Outcome.RETRYING,
        started_at=200.0, event="shipped", target="http://127.0.0.1:1/x", request_method="POST",
        request_headers=(("Authorization", "Bearer leaked"), ("X-Token", "[redacted]")),
        request_body=b'{"a":\n1}', response_status=503, duration=0.2, id=2, customer_name="Acme",
    )
    second = RequestRecord(
        delivery_id="d1", attempt=2, channel=Channel.WEBHOOK, outcome=Outcome.DELIVERED,
        started_at=100.0, event="shipped", target="http://127.0.0.1:1/x", request_body=b"\xff", id=1,
    )
    return [base, second]


def test_json_export_is_ordered_deterministic_and_redacted() -> None:
    text = export_json(_records())
    assert text == export_json(list(reversed(_records())))
    document = json.loads(text)
    assert [r["id"] for r in document["requests"]] == [1, 2]
    first, second = document["requests"]
    assert first["request"]["body"] == {"encoding": "base64", "data": "/w=="}
    assert second["request"]["body"] == {"encoding": "utf-8", "data": '{"a":\n1}'}
    assert second["request"]["headers"] == [["Authorization", "<redacted>"], ["X-Token", "[redacted]"]]
    assert "leaked" not in text


def test_csv_export_has_one_row_per_attempt() -> None:
    text = export_csv(_records())
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r[0] for r in rows[1:]] == ["1", "2"]
    row = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert row["http_status"] == "503" and row["duration_ms"] == "200" and row["customer"] == "Acme"
    assert row["request_body"] == '{"a":\n1}'
    assert "leaked" not in text
    assert text == export_csv(list(reversed(_records())))
