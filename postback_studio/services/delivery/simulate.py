"""Simulated orders: built-in samples about one order each, and a render-ahead send pipeline."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from postback_studio.core.model import Event
from postback_studio.core.samples import load_sample

R = TypeVar("R")
S = TypeVar("S")


def order_payloads(events: Sequence[Event], order_number: int, orders: int) -> dict[Event, Any]:
    """Built-in samples for ``events``, all about one order; ``order_number`` (0-based) of ``orders``.

    The built-in base samples follow one order through its life. With more than one order, each gets
    its own reference (``ACME-SIM-0001``...) and order id, replaced throughout the sample text, so
    every simulated order is told apart by the receiver.
    """
    samples = {event: load_sample(event.value) for event in events}
    if orders <= 1 or not samples:
        return samples
    first = samples[events[0]]
    reference = str(first.get("orderReferenceId") or "")
    order_id = str(first.get("orderId") or "")
    new_reference = f"ACME-SIM-{order_number + 1:04d}"
    new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"postback-studio:{new_reference}"))
    result: dict[Event, Any] = {}
    for event, payload in samples.items():
        text = json.dumps(payload)
        if reference:
            text = text.replace(reference, new_reference)
        if order_id:
            text = text.replace(order_id, new_id)
        result[event] = json.loads(text)
    return result


def pipeline(
    count: int,
    render: Callable[[int], R],
    send: Callable[[Future[R]], list[S]],
    *,
    render_threads: int,
    send_threads: int,
) -> list[S]:
    """Render items ahead on their own threads while the send pool sends them, item by item in order.

    Rendering waits on the engine's worker processes and sending on the network, so overlapping
    them keeps both busy: even with one send thread (sequential sending), the next item is already
    rendered when the current one is answered. At most a window of items is rendered but not yet
    sent, so memory stays bounded however many orders are simulated.
    """
    window = threading.BoundedSemaphore(max(4, 4 * send_threads))

    def send_and_release(rendered: Future[R]) -> list[S]:
        try:
            return send(rendered)
        finally:
            window.release()

    sends: list[Future[list[S]]] = []
    with (
        ThreadPoolExecutor(render_threads, thread_name_prefix="render") as renderers,
        ThreadPoolExecutor(send_threads, thread_name_prefix="deliver") as senders,
    ):
        for number in range(count):
            window.acquire()
            sends.append(senders.submit(send_and_release, renderers.submit(render, number)))
        return [report for done in sends for report in done.result()]
