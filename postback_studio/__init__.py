"""Postback Studio: design, preview, test and ship GelatoConnect-style postback templates offline."""

__version__ = "0.1.0"
