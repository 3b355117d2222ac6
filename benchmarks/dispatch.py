"""Dispatch throughput: render + send + log, against plain ``requests`` sending pre-rendered bodies.

Not part of pytest. Starts the local inbox in a *separate process* (so the receiver does not share the
sender's GIL), then, in the same run and against the same server with bodies of the same orders,
measures deliveries per second:

* baseline, sequential: a plain ``requests.Session().post`` loop over pre-rendered bodies (no render,
  no log);
* baseline, parallel: the same bodies posted by a plain thread pool of ``--workers`` threads, each
  with its own ``requests.Session`` (no render, no log): what concurrency alone gives;
* workspace, sequential: ``DeliveryService.simulate`` with one send worker: each order's shipped
  sample rendered by the real :class:`RenderEngine` (sandboxed worker process, field checks, JSON
  validation, the customer's lookups) through the seeded demo trigger's template, sent, and logged in
  a real workspace file (WAL, ``synchronous=FULL``) through the log writer thread;
* workspace, parallel: the same with ``--workers`` send threads and keep-alive sessions per thread;
* memory, sequential / parallel: the same renders through ``RenderEngine.render_template``, sent with
  ``Dispatcher.attempt`` / ``Dispatcher.run_batch`` and logged to an in-memory sink (what the
  dispatcher alone costs), for information.

Targets, on the ratios of deliveries per second (medians of per-round ratios): the workspace,
sequential run with the receiver answering at once against the sequential loop >= 0.8x; the
workspace, parallel run with a receiver delay of 5 ms against the pool of the same number of
threads >= 0.8x. The other combinations are published for information. ``--delay`` makes the
receiver wait before answering, as a real endpoint on a network would.

    PYTHONPATH=. python benchmarks/dispatch.py --orders 300 --workers 8 --delay 0 --delay 0.005
"""

from __future__ import annotations

import multiprocessing as mp
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import requests
from _figures import Figure, common_arguments, figure, report, run_script

from postback_studio.core.dispatch.delivery import Dispatcher, MemoryLog
from postback_studio.core.dispatch.inbox import HttpInbox, ResponseScript
from postback_studio.core.dispatch.plan import Delivery, WebhookTarget
from postback_studio.core.model import Event, LookupSet, Template
from postback_studio.core.render import RenderEngine
from postback_studio.core.requestlog import Outcome
from postback_studio.core.requests_view import RequestFilter
from postback_studio.services.delivery import DeliveryService
from postback_studio.services.delivery.simulate import order_payloads
from postback_studio.storage.seed import DEMO_CUSTOMER
from postback_studio.storage.workspace import Workspace

TRIGGER = "Order shipped to local inbox"


def _serve(conn: Connection, delay: float) -> None:
    script = ResponseScript.always(200, delay=delay)
    with HttpInbox(script) as inbox:
        conn.send(inbox.port)
        conn.recv()
        conn.send(len(inbox.requests))


class Bench:
    """One workspace aimed at the receiver, its template and lookups, and the orders' payloads."""

    def __init__(self, folder: Path, url: str, orders: int) -> None:
        self.path = folder / "bench.sqlite"
        with self.open() as ws:
            customer = ws.customers.get_by_name(DEMO_CUSTOMER)
            assert customer is not None and customer.id is not None
            trigger = ws.triggers.get_by_name(customer.id, TRIGGER)
            assert trigger is not None and trigger.template_id is not None
            ws.triggers.save(replace(trigger, url=url))
            self.customer_id = customer.id
            self.template: Template = ws.templates.get(trigger.template_id)
            self.lookups: LookupSet = ws.lookups.lookup_set_for(customer.id)
        self.url = url
        self.payloads = [order_payloads([Event.SHIPPED], n, orders)[Event.SHIPPED] for n in range(orders)]

    def open(self) -> Workspace:
        """A connection that never touches the desktop keyring (the demo trigger has no secrets)."""
        return Workspace.open(self.path, secrets=_NoSecrets())

    def logged(self) -> int:
        with self.open() as ws:
            return ws.requests.count(RequestFilter(outcomes=(Outcome.DELIVERED,)))


class _NoSecrets:
    """The demo trigger has no secrets; an empty store keeps the keyring out of the measurement."""

    description = "none (benchmark)"

    def get(self, key: str) -> str | None:
        return None

    def set(self, key: str, value: str) -> None:
        raise AssertionError("the benchmark stores no secrets")

    def delete(self, key: str) -> None:
        return None


def render_body(engine: RenderEngine, bench: Bench, payload: Any) -> bytes:
    rendering = engine.render_template(bench.template, payload, lookups=bench.lookups)
    output = rendering.parts["body"].output
    assert rendering.valid and output is not None, rendering.diagnostics
    return output.encode("utf-8")


def baseline(url: str, bodies: list[bytes]) -> float:
    start = time.perf_counter()
    with requests.Session() as session:
        for body in bodies:
            response = session.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
            response.raise_for_status()
    return len(bodies) / (time.perf_counter() - start)


def pool_baseline(url: str, bodies: list[bytes], workers: int) -> float:
    """The bodies posted by ``workers`` threads, each with its own session, as plainly as possible."""
    sessions = threading.local()

    def post(body: bytes) -> None:
        session = getattr(sessions, "session", None)
        if session is None:
            session = sessions.session = requests.Session()
        response = session.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
        response.raise_for_status()

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(post, bodies))
    return len(bodies) / (time.perf_counter() - start)


def workspace_run(bench: Bench, engine: RenderEngine, workers: int) -> float:
    before = bench.logged()
    start = time.perf_counter()
    with DeliveryService(bench.open, engine, workers=workers) as service:
        reports = service.simulate(bench.customer_id, [Event.SHIPPED], orders=len(bench.payloads))
    elapsed = time.perf_counter() - start
    delivered = sum(r.delivered for r in reports)
    logged = bench.logged() - before
    if delivered != len(bench.payloads) or logged != delivered:
        raise SystemExit(f"lost or failed: {logged} logged, {delivered} delivered of {len(bench.payloads)}")
    return len(bench.payloads) / elapsed


def memory_run(bench: Bench, engine: RenderEngine, workers: int, tag: str) -> float:
    log = MemoryLog()

    def delivery(n: int, payload: Any) -> Delivery:
        body = render_body(engine, bench, payload)
        return Delivery(f"msg_{tag}_{n}", WebhookTarget(bench.url), "shipped", body=body)

    start = time.perf_counter()
    with Dispatcher(log) as dispatcher:
        if workers <= 1:
            for n, payload in enumerate(bench.payloads):
                dispatcher.attempt(delivery(n, payload))
        else:
            with ThreadPoolExecutor(workers) as pool:
                deliveries = list(pool.map(lambda item: delivery(*item), enumerate(bench.payloads)))
            dispatcher.run_batch(deliveries, workers=workers)
    elapsed = time.perf_counter() - start
    delivered = sum(r.outcome is Outcome.DELIVERED for r in log.records)
    if delivered != len(bench.payloads):
        raise SystemExit(f"lost or failed: {delivered} delivered of {len(bench.payloads)}")
    return len(bench.payloads) / elapsed


def run(orders_count: int, workers: int, delay: float, rounds: int, render_workers: int) -> list[Figure]:
    parent, child = mp.get_context("spawn").Pipe()
    server = mp.get_context("spawn").Process(target=_serve, args=(child, delay), daemon=True)
    server.start()
    port = parent.recv()
    url = f"http://127.0.0.1:{port}/bench"
    results: dict[str, list[float]] = {
        k: [] for k in ("base", "pool", "ws_seq", "ws_par", "mem_seq", "mem_par")
    }
    with tempfile.TemporaryDirectory() as folder, RenderEngine(max_workers=render_workers) as engine:
        bench = Bench(Path(folder), url, orders_count)
        engine.warm_up()
        bodies = [render_body(engine, bench, p) for p in bench.payloads]
        runs: dict[str, Callable[[int], float]] = {
            "base": lambda r: baseline(url, bodies),
            "pool": lambda r: pool_baseline(url, bodies, workers),
            "ws_seq": lambda r: workspace_run(bench, engine, 1),
            "ws_par": lambda r: workspace_run(bench, engine, workers),
            "mem_seq": lambda r: memory_run(bench, engine, 1, f"s{r}"),
            "mem_par": lambda r: memory_run(bench, engine, workers, f"p{r}"),
        }
        for r in range(rounds):
            for key, measure in runs.items():
                results[key].append(measure(r))
    parent.send("stop")
    received = parent.recv()
    server.join()
    expected = orders_count * rounds * len(results)

    figures: list[Figure] = []
    names = {
        "base": "plain requests.Session loop, pre-rendered bodies",
        "pool": f"plain requests pool of {workers} threads, pre-rendered bodies",
    }

    def line(label: str, key: str, against: str, target: str | None) -> None:
        base = results[against]
        ratio = statistics.median(v / b for v, b in zip(results[key], base, strict=True))
        shown = f"target >= {target.split()[-1]}" if target else "info"
        print(
            f"  {label:<42}: {statistics.median(results[key]):8.1f} deliveries/s  "
            f"ratio {ratio:.2f}x against the {'pool' if against == 'pool' else 'loop'} ({shown})"
        )
        figures.append(figure(
            f"dispatch: {label} (receiver delay {delay * 1000:g} ms)", statistics.median(results[key]),
            "deliveries/s", baseline=statistics.median(base), baseline_name=names[against], target=target,
            ratio=ratio,
        ))

    print(
        f"receiver delay {delay * 1000:g} ms, {orders_count} orders x {rounds} rounds, {workers} workers, "
        f"{render_workers} render processes"
    )
    loop_rate = statistics.median(results["base"])
    print(f"  {'baseline: requests.Session loop':<42}: {loop_rate:8.1f} deliveries/s")
    print(
        f"  {f'baseline: requests pool of {workers} threads':<42}: "
        f"{statistics.median(results['pool']):8.1f} deliveries/s"
    )
    line("workspace log, sequential render+send+log", "ws_seq", "base", ">= 0.8" if delay == 0 else None)
    line("workspace log, parallel batch", "ws_par", "pool", ">= 0.8" if abs(delay - 0.005) < 1e-9 else None)
    line("memory log, sequential render+send+log", "mem_seq", "base", None)
    line("memory log, parallel batch", "mem_par", "pool", None)
    print(f"  receiver got {received} requests (expected {expected})")
    return figures


def main(argv: list[str] | None = None) -> list[Figure]:
    """Measure, print and return the figures (see ``_figures.py``)."""
    parser = common_arguments(__doc__ or "")
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--render-workers", type=int, default=2, help="render worker processes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--delay", type=float, action="append", help="receiver delay in seconds (repeatable)")
    args = parser.parse_args(argv)
    orders, rounds = (60, 2) if args.quick else (args.orders, args.rounds)
    figures: list[Figure] = []
    for delay in args.delay or [0.0, 0.005]:
        figures += run(orders, args.workers, delay, rounds, args.render_workers)
    return report(figures, args.json)


if __name__ == "__main__":
    run_script(main)
