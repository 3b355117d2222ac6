# ruff: noqa: E501 (templates are kept verbatim: their lines are what the findings point at)
"""Templates written for the doctor's tests: correct ones (no finding, no lint allowed) and buggy ones.

The correct templates use every pattern a careful integrator uses: values through ``|tojson`` (JSON)
or ``|e`` (XML), separators right across nested loops (``loop.last``, a namespace flag, a joiner),
loops over arrays that may be empty, conditionals, lookups with defaults, a whole object through
``|tojson``. A finding or a lint on any of them is a false alarm.
"""

from __future__ import annotations

from postback_studio.core.model import OutputFormat

#: name -> (format, template text); all correct.
CORRECT: dict[str, tuple[OutputFormat, str]] = {
    "json-loop-last-nested": (
        OutputFormat.JSON,
        """{"order": {{ orderReferenceId|tojson }}, "items": [
{% for item in items %}{"ref": {{ item.itemReferenceId|tojson }}, "qty": {{ item.quantity|tojson }},
 "price": {{ item.price|tojson }},
 "tracking": [{% for f in item.fulfillments %}{{ f.trackingCode|tojson }}{% if not loop.last %}, {% endif %}{% endfor %}]}
{%- if not loop.last %},{% endif %}
{% endfor %}]}
""",
    ),
    "json-conditionals-lookups": (
        OutputFormat.JSON,
        """{
  "customer": {{ (customer.name ~ " (" ~ customer.referenceId ~ ")")|tojson }},
  {%- if shipment.tracking %}
  "tracking": {{ shipment.tracking.code|default("", true)|tojson }},
  {%- else %}
  "tracking": null,
  {%- endif %}
  "rush": {{ (order.metadata.isRush == "True")|tojson }},
  "carrier": {{ lookups({"shipmentMethodUid": shipment.shipmentMethodUid}, strict=False, default=shipment.shipmentMethodName)|tojson }},
  "address": {{ shippingAddress|tojson }},
  "count": {{ items|length }},
  "firstSku": {{ (items|first).sku|default(none)|tojson if items else "null" }},
  "summary": {{ ("Order " ~ orderReferenceId ~ " has " ~ items|length ~ " items")|tojson }}
}
""",
    ),
    "json-joiner-across-loops": (
        OutputFormat.JSON,
        """{% set sep = joiner(",") -%}
[
{%- for item in items -%}
  {%- for file in item.files -%}
  {{ sep() }}{"item": {{ item.id|tojson }}, "type": {{ file.type|tojson }}, "url": {{ file.url|tojson }}}
  {%- endfor -%}
{%- endfor -%}
]
""",
    ),
    "json-namespace-filtered": (
        OutputFormat.JSON,
        """{%- set flag = namespace(first=true) -%}
{"shipped": [
{%- for item in items %}
  {%- if item.fulfillments %}
  {%- if not flag.first %},{% endif %}{% set flag.first = false %}
  {"ref": {{ item.itemReferenceId|tojson }}, "first": {{ item.fulfillments[0].trackingCode|tojson }}}
  {%- endif %}
{%- endfor %}
]}
""",
    ),
    "xml-nested-attributes": (
        OutputFormat.XML,
        """<?xml version="1.0" encoding="UTF-8"?>
<order ref="{{ orderReferenceId|e }}" status='{{ fulfillmentStatus|e }}'>
  <customer>{{ customer.name|e }}</customer>
  {%- for item in items %}
  <item sku="{{ item.sku|e }}" qty="{{ item.quantity }}">
    {%- for f in item.fulfillments %}
    <tracking carrier="{{ lookups({"shipmentMethodUid": f.shipmentMethodUid}, default=f.shipmentMethodName)|e }}">{{ f.trackingUrl|e }}</tracking>
    {%- else %}
    <notShipped/>
    {%- endfor %}
  </item>
  {%- endfor %}
  {% if shippingAddress.addressLine2 %}<line2>{{ shippingAddress.addressLine2|e }}</line2>{% endif %}
  <note><![CDATA[static text]]></note>
  <!-- {{ orderId }} in a comment is not escaped text -->
</order>
""",
    ),
}

#: name -> (format, template text, lint codes expected, in order); each has one kind of mistake.
BUGGY: dict[str, tuple[OutputFormat, str, tuple[str, ...]]] = {
    "raw-values": (
        OutputFormat.JSON,
        """{"items": [{% for item in items %}{"qty": {{ item.quantity }}, "price": {{ item.price }}, "sku": {{ item.sku|tojson }}}{% if not loop.last %},{% endif %}{% endfor %}],
 "count": {{ items|length }}}
""",
        ("json-raw-value", "json-raw-value"),
    ),
    "xml-unescaped": (
        OutputFormat.XML,
        """<?xml version="1.0"?>
<order ref="{{ orderReferenceId }}">
  <customer>{{ customer.name }}</customer>
  {% for item in items %}<item qty="{{ item.quantity }}">{{ item.productName }}</item>{% endfor %}
</order>
""",
        ("markup-unescaped", "markup-unescaped", "markup-unescaped"),
    ),
    "empty-index": (
        OutputFormat.JSON,
        """{% set f = items[0].fulfillments[0] %}
{"tracking": {{ f.trackingCode|tojson }}, "url": {{ f.trackingUrl|tojson }},
 "first": {{ items[0].sku|tojson }}}
""",
        ("empty-index", "empty-index"),
    ),
    "type-mismatch": (
        OutputFormat.JSON,
        """{"order": {{ orderReferenceId|tojson }}, "lines": [{% for item in items %}{"qty": "{{ item.quantity }}"}{% if not loop.last %},{% endif %}{% endfor %}]}
""",
        ("type-mismatch",),
    ),
    "string-interpolation": (
        OutputFormat.JSON,
        """{"note": "Order {{ orderReferenceId }} for {{ customer.name }}", "city": "{{ shippingAddress.city }}"}
""",
        ("json-string-interpolation", "json-string-interpolation"),
    ),
    "inner-separator-only": (
        OutputFormat.JSON,
        """{"tracking": [
{% for item in items %}
  {% for f in item.fulfillments %}
  {"code": {{ f.trackingCode|tojson }}}{% if not loop.last %},{% endif %}
  {% endfor %}
{% endfor %}
]}
""",
        ("json-loop-separator",),
    ),
    "no-separator": (
        OutputFormat.JSON,
        """{"items": [
{%- for item in items %}
  {"ref": {{ item.itemReferenceId|tojson }}}
{%- endfor %}
]}
""",
        ("json-loop-separator",),
    ),
}
