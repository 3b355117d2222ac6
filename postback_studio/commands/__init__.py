"""Headless subcommands of the ``postback-studio`` command line.

Each module exposes ``register(subparsers)``, which adds its parser and sets ``handler`` to a function
``(args) -> int``. Modules import their heavy dependencies inside the handler so that ``--help`` and
unrelated commands stay fast, and none of them ever imports Qt.
"""
