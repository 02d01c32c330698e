"""Network settings (admins only): how long personal data is kept, and the purge log."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from ..accounts.access import organiser_required
from ..accounts.models import Role
from .forms import RetentionForm
from .services import set_retention

bp = Blueprint("networks", __name__, template_folder="templates")


@bp.route("/o/<slug>/settings", methods=["GET", "POST"])
@organiser_required(role=Role.ADMIN)
def settings(slug: str):
    from ..organisations.consent import consent_text, retention_label
    from ..privacy.purge import recent_runs

    network = g.network
    form = RetentionForm(obj=network)
    status = 200
    if form.is_submitted():
        if form.validate():
            set_retention(network, form.retention_months.data)
            flash(_("Saved. Personal data is now kept %(period)s after withdrawal or last activity.",
                    period=retention_label(network.retention_months, _lang())), "success")
            return redirect(url_for(".settings", slug=slug))
        status = 422
    return render_template("networks/settings.html", network=network, form=form, runs=recent_runs(network),
                           period=retention_label(network.retention_months, _lang()),
                           consent=consent_text(network, _lang())), status


def _lang() -> str:
    from ..templating import current_lang

    return current_lang()
