"""What the render worker holds between renders: a re-render sends the keys of the payload and the
template it rendered before, not the payload and the source again; what it holds is bounded, and a
worker that was stopped holds nothing."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence

import pytest

from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.render import RenderEngine, batch_requests, worker_process

RUNAWAY = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every request line written to a worker, whole."""
    lines: list[bytes] = []
    original = worker_process.WorkerProcess.send

    def recording(self: worker_process.WorkerProcess, chunks: Sequence[bytes]) -> bool:
        lines.append(chunks if isinstance(chunks, bytes) else b"".join(chunks))
        return original(self, chunks)

    monkeypatch.setattr(worker_process.WorkerProcess, "send", recording)
    return lines


@pytest.fixture
def one_worker() -> Iterator[RenderEngine]:
    """One worker process, so every render goes to the same one."""
    with RenderEngine(max_workers=1, time_limit=1.0) as engine:
        yield engine


def payload(tag: str) -> dict[str, object]:
    return {"order": tag, "items": [{"sku": f"{tag}-{n}", "note": "x" * 50} for n in range(20)]}


def test_a_rerender_of_the_same_payload_sends_its_key_not_the_payload(
    one_worker: RenderEngine, sent: list[bytes]
) -> None:
    order = payload("ORDER-HELD-7")
    first = one_worker.render("{{ order }}:{{ items|length }}", order, fmt=OutputFormat.TEXT)
    second = one_worker.render("{{ items[3].sku }}", order, fmt=OutputFormat.TEXT)
    assert (first.output, second.output) == ("ORDER-HELD-7:20", "ORDER-HELD-7-3")
    assert b"ORDER-HELD-7-19" in sent[0]
    assert b"ORDER-HELD-7" not in sent[1]
    assert len(sent[1]) < 300


def test_a_rerender_of_the_same_template_sends_its_key_not_the_source(
    one_worker: RenderEngine, sent: list[bytes]
) -> None:
    source = "{# SOURCE-MARKER #}{{ order }}"
    results = [one_worker.render(source, payload(tag), fmt=OutputFormat.TEXT).output for tag in ("A", "B")]
    assert results == ["A", "B"]
    assert b"SOURCE-MARKER" in sent[0]
    assert b"SOURCE-MARKER" not in sent[1]


def test_what_a_worker_holds_is_bounded_and_sent_again_once_dropped(
    one_worker: RenderEngine, sent: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_requests, "HOLD_BYTES", 8_000)
    orders = [payload(f"BOUNDED-{n}") for n in range(12)]
    for order in orders:
        assert one_worker.render("{{ order }}", order, fmt=OutputFormat.TEXT).output == order["order"]
    assert any(b'"forget":' in line for line in sent)
    sent.clear()
    newest_first = orders[::-1]
    again = [one_worker.render("{{ items[0].sku }}", o, fmt=OutputFormat.TEXT).output for o in newest_first]
    assert again == [f"BOUNDED-{n}-0" for n in reversed(range(12))]
    assert b"BOUNDED-11-19" not in sent[0]  # the last one rendered is still held
    assert b"BOUNDED-0-19" in sent[-1]  # the first was dropped long ago, so it went again


def test_a_large_payload_is_sent_every_time(
    one_worker: RenderEngine, sent: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_requests, "HOLD_BYTES", 4_000)
    order = payload("LARGE")
    for _ in range(2):
        assert one_worker.render("{{ order }}", order, fmt=OutputFormat.TEXT).output == "LARGE"
    assert all(b"LARGE-19" in line and b'"hold":' not in line for line in sent)


def test_a_stopped_worker_held_nothing_and_the_next_render_sends_everything(
    one_worker: RenderEngine, sent: list[bytes]
) -> None:
    order = payload("AFTER-RUNAWAY")
    source = "{{ order }}"
    assert one_worker.render(source, order, fmt=OutputFormat.TEXT).output == "AFTER-RUNAWAY"
    stopped = one_worker.render(RUNAWAY, order, fmt=OutputFormat.TEXT)
    assert stopped.errors[0].code == "time-limit"
    sent.clear()
    assert one_worker.render(source, order, fmt=OutputFormat.TEXT).output == "AFTER-RUNAWAY"
    assert b"AFTER-RUNAWAY-19" in sent[0] and b'"source":"{{ order }}"' in sent[0]


def test_every_part_of_an_email_shares_the_source_it_repeats(
    one_worker: RenderEngine, sent: list[bytes]
) -> None:
    same = "{{ order }} SHARED-PART"
    template = Template(
        "mail", TemplateKind.EMAIL, OutputFormat.HTML, body=same, subject=same, text_body=same
    )
    rendering = one_worker.render_template(template, payload("MAIL"))
    assert {part: result.output for part, result in rendering.parts.items()} == dict.fromkeys(
        ("subject", "html", "text"), "MAIL SHARED-PART"
    )
    assert sent[0].count(b"SHARED-PART") == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are set on Linux only")
def test_the_protocol_pipes_hold_a_large_request_at_once(one_worker: RenderEngine) -> None:
    import fcntl

    one_worker.warm_up()
    worker = one_worker._pool._idle[0]
    for pipe in (worker.process.stdin, worker.process.stdout):
        assert pipe is not None
        assert fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ) >= worker_process.PIPE_BUFFER


def test_a_request_naming_what_the_worker_does_not_hold_is_refused() -> None:
    from postback_studio.core.render.worker import RenderWorker

    worker = RenderWorker()
    with pytest.raises(KeyError):
        worker.handle({"size_limit": 1000, "payload_key": "p-unknown", "parts": []})
    with pytest.raises(KeyError):
        worker.handle({"size_limit": 1000, "payload": {}, "parts": [{"name": "body", "key": "unknown"}]})
    part = {"name": "body", "key": "s1", "source": "{{ a }}"}
    held = worker.handle({"size_limit": 1000, "payload_key": "p1", "hold": {"p1": {"a": 1}}, "parts": [part]})
    named = {"name": "body", "key": "s1"}
    again = worker.handle({"size_limit": 1000, "payload_key": "p1", "parts": [named]})
    assert held["parts"][0]["output"] == again["parts"][0]["output"] == "1"
    worker.handle({"size_limit": 1000, "payload": {}, "forget": ["p1", "s1"], "parts": []})
    with pytest.raises(KeyError):
        worker.handle({"size_limit": 1000, "payload_key": "p1", "parts": []})
