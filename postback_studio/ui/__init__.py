"""Widgets only: no SQL, no HTTP, no business rules."""
