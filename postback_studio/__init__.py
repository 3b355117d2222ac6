"""Postback Studio: design, preview, test and ship GelatoConnect-style postback templates offline."""


def __getattr__(name: str) -> str:
    """``postback_studio.__version__``, read from the one version number in pyproject.toml."""
    if name == "__version__":
        from postback_studio.core.appinfo import app_version

        return app_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
