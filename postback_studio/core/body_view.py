"""Turning stored body bytes into text a person can read, without ever changing what is shown as sent.

Two views of one body: the *exact* text (the bytes decoded, nothing reformatted, so what the page
shows is what left the machine) and an optional *pretty* text (indented JSON or XML) that is only
offered when the body parses. Shared by the Requests page, the Inbox and the exporters.
"""

from __future__ import annotations

import json

from lxml import etree


def exact_text(body: bytes) -> str:
    """The body as sent, decoded as UTF-8; bytes that are not UTF-8 appear as ``\\xNN`` escapes.

    Escapes rather than replacement characters, so that a wrong byte stays visible and identifiable.
    """
    return body.decode("utf-8", errors="backslashreplace")


def is_json_type(content_type: str) -> bool:
    """Whether a ``Content-Type`` names JSON (``application/json``, ``application/*+json``)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media.endswith("/json") or media.endswith("+json")


def is_xml_type(content_type: str) -> bool:
    """Whether a ``Content-Type`` names XML (``application/xml``, ``text/xml``, ``*+xml``)."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media.endswith("/xml") or media.endswith("+xml")


def pretty_text(body: bytes, content_type: str = "") -> str | None:
    """Indented JSON or XML for a body that parses as such, else None.

    The content type decides first; without one, the first non-blank character does (``{``/``[``
    for JSON, ``<`` for XML), because log entries and received requests may lack the header.
    """
    stripped = body.lstrip()
    wants_json = is_json_type(content_type) or (not content_type and stripped[:1] in (b"{", b"["))
    wants_xml = is_xml_type(content_type) or (not content_type and stripped[:1] == b"<")
    if wants_json:
        try:
            return json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
    if wants_xml:
        try:
            parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
            root = etree.fromstring(body, parser)
        except etree.XMLSyntaxError:
            return None
        return etree.tostring(root, pretty_print=True, encoding="unicode")
    return None


def header_value(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    """The first header called ``name`` (case-insensitive), or None."""
    wanted = name.lower()
    return next((value for key, value in headers if key.lower() == wanted), None)


def format_headers(headers: tuple[tuple[str, str], ...]) -> str:
    """Headers one per line as ``Name: value``, in the order they were sent."""
    return "\n".join(f"{key}: {value}" for key, value in headers)
