"""Dispatch throughput: render + send + log, against a plain ``requests.Session`` loop.

Not part of pytest. Starts the local inbox in a *separate process* (so the receiver does not share the
sender's GIL), then, in the same run and against the same server with the same bodies, measures:

* baseline: a plain ``requests.Session().post`` loop over pre-rendered bodies;
* sequential: each order rendered (jinja2 sandbox, or the ``render`` callable you swap in), sent
  through ``Dispatcher.attempt`` and logged to an in-memory sink;
* parallel: each order rendered, then the whole batch sent with ``Dispatcher.run_batch``.

Ratios are deliveries/second relative to the baseline (targets: sequential >= 0.8x, parallel >= 2x).
``--delay`` makes the receiver wait before answering, as a real endpoint on a network would.

    PYTHONPATH=. python benchmarks/dispatch.py --orders 500 --workers 8 --delay 0 --delay 0.005

``--quick`` runs 200 orders x 3 rounds; ``--json FILE`` writes the figures (see ``_figures.py``).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import statistics
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

import requests
from _figures import Figure, common_arguments, figure, report, run_script
from jinja2.sandbox import SandboxedEnvironment

from postback_studio.core.dispatch.delivery import Delivery, Dispatcher, MemoryLog, WebhookTarget
from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript
from postback_studio.core.requestlog import Outcome

TEMPLATE = """{
  "orderId": {{ order.id | tojson }},
  "status": "shipped",
  "customer": {{ order.customer | tojson }},
  "items": [{% for item in order["items"] %}
    {"sku": {{ item.sku | tojson }}, "quantity": {{ item.quantity }}}{{ "," if not loop.last }}{% endfor %}
  ],
  "tracking": {{ order.tracking | tojson }}
}"""

Render = Callable[[dict[str, Any]], bytes]


def jinja_render() -> Render:
    """The stand-in renderer; swap for a RenderEngine-backed callable once it lands."""
    template = SandboxedEnvironment(autoescape=False).from_string(TEMPLATE)
    return lambda payload: template.render(order=payload).encode("utf-8")


def make_orders(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"PO-{n:06d}",
            "customer": {"name": "Acme Prints", "email": "ops@acme.example"},
            "items": [{"sku": f"SKU-{n}-{i}", "quantity": i + 1} for i in range(3)],
            "tracking": f"1Z{n:010d}",
        }
        for n in range(count)
    ]


def _serve(conn: Connection, delay: float) -> None:
    script = ResponseScript.always(200, delay=delay)
    with HttpInbox(script) as inbox:
        conn.send(inbox.port)
        conn.recv()
        conn.send(len(inbox.requests))


def baseline(url: str, bodies: list[bytes]) -> float:
    start = time.perf_counter()
    with requests.Session() as session:
        for body in bodies:
            response = session.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
            response.raise_for_status()
    return len(bodies) / (time.perf_counter() - start)


def _delivery(url: str, render: Render, order: dict[str, Any], delivery_id: str) -> Delivery:
    """Render one order into a delivery, as the app does before dispatching."""
    body = render(order)
    return Delivery(delivery_id, WebhookTarget(url), "shipped", body=body, payload=json.dumps(order))


def sequential(url: str, render: Render, orders: list[dict[str, Any]], tag: str) -> float:
    log = MemoryLog()
    start = time.perf_counter()
    with Dispatcher(log) as dispatcher:
        for n, order in enumerate(orders):
            dispatcher.attempt(_delivery(url, render, order, f"msg_{tag}_{n}"))
    elapsed = time.perf_counter() - start
    _check(log, len(orders))
    return len(orders) / elapsed


def parallel(url: str, render: Render, orders: list[dict[str, Any]], tag: str, workers: int) -> float:
    log = MemoryLog()
    start = time.perf_counter()
    with Dispatcher(log) as dispatcher:
        deliveries = [_delivery(url, render, order, f"msg_{tag}_{n}") for n, order in enumerate(orders)]
        dispatcher.run_batch(deliveries, workers=workers)
    elapsed = time.perf_counter() - start
    _check(log, len(orders))
    return len(orders) / elapsed


def _check(log: MemoryLog, expected: int) -> None:
    records = log.records
    delivered = sum(r.outcome is Outcome.DELIVERED for r in records)
    if len(records) != expected or delivered != expected:
        raise SystemExit(f"lost or failed: {len(records)} logged, {delivered} delivered of {expected}")


def run(orders_count: int, workers: int, delay: float, rounds: int) -> list[Figure]:
    parent, child = mp.get_context("spawn").Pipe()
    server = mp.get_context("spawn").Process(target=_serve, args=(child, delay), daemon=True)
    server.start()
    port = parent.recv()
    url = f"http://127.0.0.1:{port}/bench"
    render = jinja_render()
    orders = make_orders(orders_count)
    bodies = [render(order) for order in orders]
    base, seq, par = [], [], []
    for r in range(rounds):
        base.append(baseline(url, bodies))
        seq.append(sequential(url, render, orders, f"s{r}"))
        par.append(parallel(url, render, orders, f"p{r}", workers))
    parent.send("stop")
    received = parent.recv()
    server.join()
    expected = orders_count * rounds * 3
    seq_ratio = statistics.median(s / b for s, b in zip(seq, base, strict=True))
    par_ratio = statistics.median(p / b for p, b in zip(par, base, strict=True))
    print(f"receiver delay {delay * 1000:g} ms, {orders_count} orders x {rounds} rounds, {workers} workers")
    print(f"  baseline requests.Session loop : {statistics.median(base):8.1f} deliveries/s (median)")
    print(f"  sequential render+send+log     : {statistics.median(seq):8.1f} deliveries/s", end="")
    print(f"  ratio {seq_ratio:.2f}x (target >= 0.8x)")
    print(f"  parallel batch render+send+log : {statistics.median(par):8.1f} deliveries/s", end="")
    print(f"  ratio {par_ratio:.2f}x (target >= 2x)")
    print(f"  receiver got {received} requests (expected {expected}); ratios are medians of per-round ratios")
    if received != expected:
        raise SystemExit(f"the receiver got {received} requests, expected {expected}")
    setting = f"{orders_count} orders, receiver delay {delay * 1000:g} ms"
    baseline_name = "plain requests.Session post loop"
    return [
        figure(
            f"dispatch: sequential render+send+log ({setting})",
            statistics.median(seq),
            "deliveries/s",
            baseline=statistics.median(base),
            baseline_name=baseline_name,
            target=">= 0.8",
            ratio=seq_ratio,
        ),
        figure(
            f"dispatch: parallel batch, {workers} workers ({setting})",
            statistics.median(par),
            "deliveries/s",
            baseline=statistics.median(base),
            baseline_name=baseline_name,
            target=">= 2",
            ratio=par_ratio,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> list[Figure]:
    """Measure, print and return the figures (see ``_figures.py``)."""
    parser = common_arguments(__doc__ or "")
    parser.add_argument("--orders", type=int)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--delay", type=float, action="append", help="receiver delay in seconds (repeatable)")
    args = parser.parse_args(argv)
    orders = args.orders or (200 if args.quick else 500)
    rounds = args.rounds or (3 if args.quick else 5)
    figures: list[Figure] = []
    for delay in args.delay or [0.0, 0.005]:
        figures += run(orders, args.workers, delay, rounds)
    return report(figures, args.json)


if __name__ == "__main__":
    run_script(main)
