"""The production config holds the settings the issue asks for, and the development config is safe too."""

from __future__ import annotations

import tomllib

from .conftest import PROJECT

PROD = PROJECT / ".streamlit" / "config.prod.toml"
DEV = PROJECT / ".streamlit" / "config.toml"


def _read(path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def test_production_config_values():
    cfg = _read(PROD)
    assert cfg["client"]["showErrorDetails"] in ("none", False)
    assert cfg["client"]["toolbarMode"] == "viewer"
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["enableCORS"] is True
    assert cfg["server"]["runOnSave"] is False
    assert cfg["server"]["fileWatcherType"] == "none"
    assert cfg["server"]["headless"] is True
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["runner"]["postScriptGC"] is False  # the per-run full collection (README "Many viewers")


def test_both_configs_leave_collection_to_python():
    """The after-every-run full collection is off in development too, so what a developer sees under load
    is what production does."""
    assert _read(DEV)["runner"]["postScriptGC"] is False


def test_production_config_keeps_the_look_of_development():
    """It replaces config.toml when installed, so it must carry the theme along."""
    assert _read(PROD)["theme"] == _read(DEV)["theme"]


def test_every_production_option_is_known_to_streamlit():
    """A misspelt option would be ignored silently; Streamlit's own option table names them all."""
    from streamlit import config

    options = config.get_config_options()
    for section, values in _read(PROD).items():
        for name in values:
            assert f"{section}.{name}" in options, f"{section}.{name}"


def test_development_config_hides_errors_from_viewers_too():
    cfg = _read(DEV)
    assert cfg["client"]["showErrorDetails"] in ("none", False)
    assert cfg["client"]["toolbarMode"] == "viewer"
