"""Partner suggestions from stored activity embeddings.

For other domains:

- ``civicnet.partners.index.refresh_organisation(org)``: call after a group's activities or
  status changed (flushes, never commits).
- ``civicnet.partners.services.suggest_partners(org, audience=..., limit=5)``.
- Template partial: ``{% with partner_org=org, partner_audience="organiser" %}{% include
  "partners/_suggestions.html" %}{% endwith %}`` (``"group"`` on the group's private page shows
  only publicly listed groups).
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from ..organisations.services import personal_data_erased
    from . import models  # noqa: F401
    from .cli import partners_cli
    from .services import suggestions_or_none
    from .views import bp

    app.config.setdefault("PARTNERS_ENCODER", "auto")
    app.register_blueprint(bp)
    app.cli.add_command(partners_cli)
    app.jinja_env.globals["partner_suggestions"] = suggestions_or_none
    personal_data_erased.connect(_forget_erased)


def _forget_erased(sender, organisation_id: int | None = None, **_extra) -> None:
    from .index import forget_organisation

    forget_organisation(organisation_id if organisation_id is not None else sender.id)
