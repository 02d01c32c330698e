"""Organisers accept the classifier's SDG and cluster suggestions for many groups at once.

Imported groups (and groups re-scored with ``flask sdg rescore --apply``) carry suggested SDGs
that nobody confirmed. ``/o/<slug>/organisations/suggestions`` lists them with what was suggested;
one POST (CSRF-protected) accepts the ticked groups, or every group still needing SDGs, and the
page then shows what was applied. The work is the matching domain's
(``matching.services.pending_suggestions`` / ``accept_suggestions``).
"""
from __future__ import annotations

from flask import g, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm

from ..accounts.access import organiser_required
from ..goals.services import all_goals
from ..matching import services as matching
from .organiser_views import bp

SHOWN = 500


class AcceptSuggestionsForm(FlaskForm):
    """CSRF only: the ticked ids come as repeated ``org`` fields, read and checked below."""


def _page(status: int = 200, applied: list[dict] | None = None, error: str | None = None):
    total, pending = matching.pending_suggestions(g.network, limit=SHOWN)
    clusters = {c.key: c for c in g.network.clusters}
    return render_template("organisations/organiser_suggestions.html", network=g.network, total=total,
                           pending=pending, shown=SHOWN, clusters=clusters, goals=all_goals(),
                           form=AcceptSuggestionsForm(), applied=applied, error=error), status


@bp.get("/organisations/suggestions")
@organiser_required()
def suggestions(slug: str):
    return _page()


@bp.post("/organisations/suggestions")
@organiser_required()
def accept_suggestions(slug: str):
    from flask_babel import gettext as _

    form = AcceptSuggestionsForm()
    if not form.validate_on_submit():
        return _page(400, error=_("The form expired. Please try again."))
    if request.form.get("all") == "1":
        ids = None
    else:
        raw = request.form.getlist("org")
        if not raw or len(raw) > 20000 or not all(v.isdigit() and len(v) <= 12 for v in raw):
            return _page(422, error=_("Tick at least one group, or accept the suggestions for all of them."))
        ids = [int(v) for v in raw]
    applied = matching.accept_suggestions(g.network, ids, actor_user_id=current_user.id)
    return _page(applied=applied)
