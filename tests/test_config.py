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
