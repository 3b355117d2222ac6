"""Batch renders: one request to the worker for many payloads, the limits still per payload."""

from __future__ import annotations

import pytest

from postback_studio.core.model import OutputFormat, Template, TemplateKind
from postback_studio.core.paths import resources_dir
from postback_studio.core.render import RenderEngine, batch_requests, worker_process
from postback_studio.core.samples import load_sample

TEMPLATES = resources_dir() / "templates"
RUNAWAY = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


def test_a_batch_gives_each_payload_what_a_single_render_gives(engine: RenderEngine) -> None:
    source = (TEMPLATES / "order-shipped-article.json.j2").read_text()
    payloads = [load_sample("shipped"), load_sample("shipped.multi-item"), {}, load_sample("delivered")]
    batch = engine.render_batch(source, payloads, fmt=OutputFormat.JSON)
    single = [engine.render(source, payload, fmt=OutputFormat.JSON) for payload in payloads]
    assert [(r.output, r.diagnostics, r.fields) for r in batch] == [
        (r.output, r.diagnostics, r.fields) for r in single
    ]
    assert [r.valid for r in batch] == [True, False, True, True]


def test_a_batch_is_one_request_per_chunk_not_one_per_payload(
    engine: RenderEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[bytes] = []
    original = worker_process.WorkerProcess.send

    def counting(self: worker_process.WorkerProcess, data: bytes) -> bool:
        sent.append(data)
        return original(self, data)

    monkeypatch.setattr(worker_process.WorkerProcess, "send", counting)
    payloads = [{"n": n} for n in range(batch_requests.BATCH_SIZE + 10)]
    results = engine.render_batch("{{ n }}", payloads, fmt=OutputFormat.TEXT)
    assert [r.output for r in results] == [str(n) for n in range(len(payloads))]
    assert len(sent) == 2  # two workers side by side, each sent its half in one request
    sent.clear()
    big = [{"n": n, "text": "x" * 400} for n in range(5)]
    monkeypatch.setattr(batch_requests, "BATCH_BYTES", 1000)  # two of these payloads per request
    results = engine.render_batch("{{ n }}{{ text|length }}", big, fmt=OutputFormat.TEXT)
    assert [r.output for r in results] == [f"{n}400" for n in range(5)]
    assert len(sent) == 3


def test_an_email_template_renders_every_part_per_payload(engine: RenderEngine) -> None:
    template = Template(
        "mail",
        TemplateKind.EMAIL,
        OutputFormat.HTML,
        body="<p>{{ a }}</p>",
        subject="S {{ a }}",
        text_body="{{ a }}",
    )
    renderings = engine.render_template_batch(template, [{"a": 1}, {"a": "x\ny"}])
    assert [r.parts["subject"].output for r in renderings] == ["S 1", "S x\ny"]
    assert [n.code for n in renderings[1].notes] == ["email-header"]  # a subject breaking onto two lines


def test_a_runaway_payload_is_stopped_and_the_batch_goes_on(fast_engine: RenderEngine) -> None:
    source = "{% if n == 2 %}" + RUNAWAY + "{% endif %}{{ n }}"
    results = fast_engine.render_batch(source, [{"n": n} for n in range(5)], fmt=OutputFormat.TEXT)
    assert [r.output for r in results] == ["0", "1", None, "3", "4"]
    assert results[2].errors[0].code == "time-limit"


@pytest.mark.slow
def test_after_three_runaways_the_rest_of_the_batch_is_skipped() -> None:
    with RenderEngine(time_limit=0.3) as short:
        results = short.render_batch(
            "{% if n > 0 %}" + RUNAWAY + "{% endif %}{{ n }}",
            [{"n": n} for n in range(6)],
            fmt=OutputFormat.TEXT,
        )
        assert [r.output for r in results] == ["0", None, None, None, None, None]
        assert [r.errors[0].code for r in results[1:]] == ["time-limit"] * 3 + ["skipped"] * 2
        assert short.render("{{ 1 }}", {}, fmt=OutputFormat.TEXT).output == "1"


def test_a_traced_render_maps_output_offsets_to_template_lines(engine: RenderEngine) -> None:
    source = "A{{ a }}\n{% for x in xs %}\n<{{ x }}>{% endfor %}\nZ"
    (result,) = engine.render_batch(source, [{"a": "1", "xs": [7, 8]}], fmt=OutputFormat.TEXT, trace=True)
    assert result.output == "A1\n\n<7>\n<8>\nZ"
    assert result.template_line(0) == 1
    assert result.template_line(result.output.index("7")) == 3
    assert result.template_line(result.output.index("8")) == 3
    assert result.template_line(len(result.output) - 1) == 3
    untraced = engine.render(source, {"a": "1", "xs": []}, fmt=OutputFormat.TEXT)
    assert untraced.line_map == () and untraced.template_line(0) is None
