import pytest

from civicnet import create_app
from civicnet.config import ConfigError, from_environment


@pytest.mark.parametrize("secret", [None, "", "dev", "change-me", "short-but-not-empty"])
def test_production_refuses_weak_secret(monkeypatch, secret):
    monkeypatch.setenv("CIVICNET_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError):
        create_app()


def test_production_with_real_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("CIVICNET_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db.example:5432/civicnet")
    config = from_environment()
    assert config["SECRET_KEY"] == "k" * 48 and config["SESSION_COOKIE_SECURE"]
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_development_defaults(monkeypatch):
    monkeypatch.delenv("CIVICNET_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = from_environment()
    assert len(config["SECRET_KEY"]) >= 32 and config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert config["BABEL_DEFAULT_LOCALE"] == "ko"


def test_development_key_is_made_once_and_shared_by_every_process(tmp_path):
    """Before: each gunicorn worker made its own random key, so a POST on the other worker failed CSRF."""
    import subprocess
    import sys

    from civicnet.config import development_secret

    code = "import sys; from pathlib import Path; from civicnet.config import development_secret; " \
           "print(development_secret(Path(sys.argv[1])))"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
             for _ in range(6)]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert development_secret(tmp_path) == (tmp_path / "secret_key").read_text().strip()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by its owner only
