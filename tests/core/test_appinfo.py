"""The application's names and its one version number."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest

from postback_studio.core import appinfo

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _pyproject_version() -> str:
    return str(tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"])


def test_version_is_the_one_in_pyproject() -> None:
    assert appinfo.app_version() == _pyproject_version()


def test_version_without_installed_metadata_reads_pyproject(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert appinfo.app_version() == _pyproject_version()


def test_package_version_attribute_has_the_same_source() -> None:
    import postback_studio

    assert postback_studio.__version__ == _pyproject_version()


def test_names_that_locate_existing_user_data_do_not_change() -> None:
    """QSettings and platformdirs derive folders from these: a change would strand existing users."""
    assert appinfo.DATA_DIR_NAME == "postback-studio"
    assert (appinfo.ORGANIZATION_NAME, appinfo.APPLICATION_NAME) == ("Postback Studio", "Postback Studio")
    assert appinfo.ORGANIZATION_DOMAIN == "postback-studio.com"
