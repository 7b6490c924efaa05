"""Configuration: one mapping of defaults, the environment over it, tests over both."""

from portal import config
from tests.conftest import make_app


def test_every_setting_has_its_default_in_one_mapping(tmp_path, monkeypatch):
    for name in config._FROM_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    app = make_app(tmp_path)
    for name in ("NMBRS_SOAP_URL", "NMBRS_RATE_LIMIT", "NMBRS_TIMEOUT",
                 "NMBRS_RETRY_BUDGET_SECONDS", "IMPORT_RETRY_INTERVALS", "IMPORT_DISPATCH_TIME",
                 "TASK_AUTO_COMPLETE_DAYS"):
        assert app.config[name] == config.DEFAULTS[name], name
    assert app.config["NMBRS_TIMEOUT"] == 30.0 and app.config["IMPORT_DISPATCH_TIME"] == "06:00"


def test_the_environment_overrides_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("NMBRS_TIMEOUT", "12.5")
    monkeypatch.setenv("NMBRS_RATE_LIMIT", "60")
    monkeypatch.setenv("REDIS_URL", "redis://10.0.0.9:6379/3")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("HTMX_VENDORED", "yes")
    monkeypatch.setenv("ENCRYPTION_KEYS", " a , b ,")
    settings = config.from_environment(str(tmp_path))
    assert settings["NMBRS_TIMEOUT"] == 12.5 and settings["NMBRS_RATE_LIMIT"] == 60
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://10.0.0.9:6379/3"
    assert settings["HTMX_VENDORED"] is True and settings["ENCRYPTION_KEYS"] == ["a", "b"]
    assert settings["IMPORT_DISPATCH_TIME"] == "06:00"


def test_the_code_reads_every_setting_without_a_default_of_its_own():
    """A default lives in config.DEFAULTS only: no `config.get(key, default)` or setdefault in
    portal/, jobs/ and app.py, and every key they read is in DEFAULTS (or one of Flask's own)."""
    import re
    from pathlib import Path

    from flask import Flask

    root = Path(__file__).resolve().parent.parent
    sources = [root / "app.py", *(root / "portal").rglob("*.py"), *(root / "jobs").rglob("*.py")]
    read = re.compile(r"config\[\"([A-Z_]+)\"\]")
    known = set(config.DEFAULTS) | set(Flask.default_config) | {"SQLALCHEMY_DATABASE_URI",
                                                                 "RATELIMIT_STORAGE_URI"}
    own_defaults, unknown = [], []
    for path in sources:
        text = path.read_text("utf-8")
        name = str(path.relative_to(root))
        own_defaults += [name for _ in re.finditer(r"config\.(get|setdefault)\(", text)]
        unknown += [f"{name}: {key}" for key in read.findall(text) if key not in known]
    assert own_defaults == []
    assert unknown == []
