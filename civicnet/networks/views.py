"""Organisers' network pages: the yearly cycle (current edition, opening the next one, history) and,
for admins, the settings (how long personal data is kept, and the purge log)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import organiser_required
from ..accounts.models import Role, User
from ..errors import DomainError
from ..extensions import db
from . import services
from .forms import OpenEditionForm, RetentionForm

bp = Blueprint("networks", __name__, template_folder="templates", url_prefix="/o/<slug>")


def _page(form: OpenEditionForm | None = None, status: int = 200):
    from ..pledges.renewals import renewal_candidates
    from ..pledges.services import count_pledges

    network = g.network
    proposed = services.proposed_edition(network)
    form = form or OpenEditionForm(formdata=None, data={"edition": proposed})
    history = services.edition_history(network)
    users = {u.id: u.name for u in db.session.scalars(
        sa.select(User).where(User.id.in_({h.opened_by_user_id for h in history if h.opened_by_user_id})))}
    previous, candidates = renewal_candidates(network, network.current_edition)
    return render_template(
        "networks/network.html", network=network, form=form, proposed=proposed,
        latest=services.latest_allowed_edition(), history=history, users=users,
        is_admin=current_user.role_in(network) == Role.ADMIN,
        pledged_now=count_pledges(network, network.current_edition),
        previous=previous, candidates=len(candidates),
        renewed=count_pledges(network, network.current_edition, among=[o.id for o in candidates]),
    ), status


@bp.get("/network")
@organiser_required()
def show(slug: str):
    return _page()


@bp.post("/network/editions")
@organiser_required(role=Role.ADMIN)
def open_edition(slug: str):
    form = OpenEditionForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        opening = services.open_edition(g.network, form.edition.data, user_id=current_user.id)
    except DomainError as exc:
        db.session.rollback()
        form.edition.errors = [exc.translated()]
        return _page(form, exc.status)
    if opening.invited:
        flash(_("The %(edition)d edition is open. %(invited)d groups of %(previous)d were invited to renew their "
                "pledge (%(reached)d of them by Telegram).", edition=opening.edition, invited=opening.invited,
                previous=opening.previous_edition, reached=opening.reachable), "success")
    else:
        flash(_("The %(edition)d edition is open. No group had pledged in an earlier edition, so nobody was "
                "invited to renew.", edition=opening.edition), "success")
    return redirect(url_for(".show", slug=slug))



@bp.route("/settings", methods=["GET", "POST"])
@organiser_required(role=Role.ADMIN)
def settings(slug: str):
    from ..organisations.consent import consent_text, retention_label
    from ..privacy.purge import recent_runs

    network = g.network
    form = RetentionForm(obj=network)
    status = 200
    if form.is_submitted():
        if form.validate():
            services.set_retention(network, form.retention_months.data)
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
