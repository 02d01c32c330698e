"""CivicNet: the citizen practice network service."""
from __future__ import annotations

import importlib
import logging
import os

from flask import Flask

from . import config as config_module
from . import extensions
from .extensions import babel, csrf, db, login_manager, migrate

# Each domain package exposes init_app(app) that registers its blueprints and CLI commands.
DOMAINS = [
    "civicnet.goals",
    "civicnet.networks",
    "civicnet.accounts",
    "civicnet.organisations",
    "civicnet.pledges",
    "civicnet.web",
    "civicnet.api",
    "civicnet.dashboard",
    "civicnet.directory",
    "civicnet.partners",
    "civicnet.reports",
    "civicnet.notices",
    "civicnet.meetings",
    "civicnet.matching",
    "civicnet.privacy",
    "civicnet.downloads",
]


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(config_module.instance_dir()), instance_relative_config=True)
    app.config.update(config_module.from_environment())
    if test_config:
        app.config.update(test_config)

    from . import i18n

    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(i18n.translation_directories())
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    from .web import hardening

    # Before any blueprint: path converters bind when routes are added; engine options are read
    # by db.init_app.
    hardening.init_app(app)
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.INFO)
    # httpx logs every request URL at INFO, and Telegram URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.PROJECT_DIR / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    # Importing the civicnet.api package rebinds the name `api` here; use the extension itself.
    extensions.api.init_app(app)
    i18n.init_app(app)

    from . import db_session, errors, templating

    db_session.init_app(app)
    errors.register_error_handlers(app)
    templating.init_app(app)

    from . import data_versions, leases  # noqa: F401  shared tables that belong to no domain

    data_versions.init_app(app)

    for name in DOMAINS:
        importlib.import_module(name).init_app(app)
    hardening.apply_limits(app)
    return app
