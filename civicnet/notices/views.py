"""Organisers' pages: write a notice, pick its audience, follow its delivery; Telegram invitations."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..accounts.access import organiser_required
from ..errors import Invalid
from ..extensions import db
from ..templating import current_lang
from ..organisations.services import get_organisation
from ..queue import enqueue_after_commit
from . import services
from .forms import ConfirmForm, NoticeForm
from .models import Audience, AudienceKind, DeliveryState

bp = Blueprint("notices", __name__, template_folder="templates", url_prefix="/o/<slug>/notices")


def _targets(network) -> list[tuple[str, str]]:
    """Audience choices: the whole network, not yet pledged, each cluster, meeting and table."""
    choices = [(str(Audience(AudienceKind.NETWORK)), _("Everyone in the network")),
               (str(Audience(AudienceKind.NOT_PLEDGED)), _("Those who have not yet signed the pledge"))]
    choices += [(str(Audience(AudienceKind.CLUSTER, c.id)), _("Cluster: %(name)s", name=c.name_ko))
                for c in network.clusters]
    try:
        from ..meetings.models import Meeting
    except ImportError:  # pragma: no cover
        return choices
    # The tables of all listed meetings in one query (``Meeting.tables`` is ordered by cluster, number).
    meetings = db.session.scalars(sa.select(Meeting).where(Meeting.network_id == network.id)
                                  .options(selectinload(Meeting.tables))
                                  .order_by(Meeting.starts_at.desc()).limit(20))
    lang = current_lang()
    for meeting in meetings:
        choices.append((str(Audience(AudienceKind.MEETING, meeting.id)),
                        _("Registrants of %(title)s", title=meeting.title(lang))))
        for table in meeting.tables:
            choices.append((str(Audience(AudienceKind.TABLE, table.id)),
                            _("%(title)s — %(label)s", title=meeting.title(lang), label=table.label(lang))))
    return choices


def _parse_target(value: str) -> Audience:
    audience = Audience.parse(value)
    if audience is None:
        raise Invalid("Please choose who should receive the notice.", field="target")
    return audience


@bp.get("/")
@organiser_required()
def index(slug: str):
    return render_template("notices/index.html", network=g.network, notices=services.list_notices(g.network),
                           form=ConfirmForm())


@bp.route("/new", methods=["GET", "POST"])
@organiser_required()
def new(slug: str):
    form = NoticeForm()
    form.target.choices = _targets(g.network)
    if form.validate_on_submit():
        audience = _parse_target(form.target.data)
        notice = services.create_notice(g.network, form.body_ko.data, form.body_en.data, audience.kind,
                                        audience.ref, user_id=current_user.id)
        enqueue_after_commit("notices.deliver", notice.id)
        flash(_("The notice is on its way."), "success")
        return redirect(url_for(".status", slug=slug, notice_id=notice.id))
    status = 422 if form.errors else 200
    return render_template("notices/new.html", network=g.network, form=form), status


@bp.get("/<int:notice_id>")
@organiser_required()
def status(slug: str, notice_id: int):
    notice = services.get_notice(g.network, notice_id)
    return render_template("notices/status.html", network=g.network, notice=notice,
                           status=services.notice_status(notice), states=list(DeliveryState), form=ConfirmForm())


@bp.post("/<int:notice_id>/retry")
@organiser_required()
def retry(slug: str, notice_id: int):
    form = ConfirmForm()
    notice = services.get_notice(g.network, notice_id)
    if form.validate_on_submit():
        count = services.retry_failed(notice)
        enqueue_after_commit("notices.deliver", notice.id)
        flash(_("%(count)d failed deliveries will be sent again.", count=count), "success")
    return redirect(url_for(".status", slug=slug, notice_id=notice.id))


@bp.get("/telegram")
@organiser_required()
def telegram(slug: str):
    """Members and whether they receive notices by Telegram; buttons to make a link or an invitation."""
    return render_template("notices/telegram.html", network=g.network, rows=services.telegram_overview(g.network),
                           form=ConfirmForm())


@bp.post("/telegram/invite")
@organiser_required()
def invite(slug: str):
    """A one-time link that opens the bot's registration in this network for one person."""
    if not ConfirmForm().validate_on_submit():
        raise Invalid("The form expired; please try again.")
    _token, link = services.issue_link_token(g.network, None, user_id=current_user.id)
    return render_template("notices/link.html", network=g.network, link=link, organisation=None)


@bp.post("/telegram/link/<int:organisation_id>")
@organiser_required()
def link(slug: str, organisation_id: int):
    """A one-time link that ties a web-registered member's Telegram chat to its record."""
    if not ConfirmForm().validate_on_submit():
        raise Invalid("The form expired; please try again.")
    organisation = get_organisation(g.network, organisation_id)
    _token, url = services.issue_link_token(g.network, organisation, user_id=current_user.id)
    return render_template("notices/link.html", network=g.network, link=url, organisation=organisation)

