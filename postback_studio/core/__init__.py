"""The Qt-free heart of Postback Studio: model, events and samples, rendering, dispatch, export.

Nothing under this package imports PySide6; the CLI, the tests and the GUI all drive it the same way.
"""
