"""Organisers' pages for one network: list with filters, exports, detail with history and actions."""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ..accounts.access import organiser_required
from ..accounts.services import user_names
from ..downloads.services import too_large_to_stream
from ..downloads.views import prepared
from ..goals.services import all_goals
from ..pledges.services import active_pledge, active_pledges, pledges_of
from ..spreadsheets import CSV_MIMETYPE, XLSX_MIMETYPE, download
from ..templating import current_lang
from . import exports, services
from .forms import KIND_LABELS, SOURCE_LABELS, STATUS_LABELS, ClusterForm, ConfirmForm, GoalsForm, ReasonForm
from .history import history_entries
from .services import OrganisationFilters
from .views import edit_link

bp = Blueprint("organisers", __name__, template_folder="templates", url_prefix="/o/<slug>")
PER_PAGE = 50


def _filters() -> OrganisationFilters:
    return OrganisationFilters.from_mapping(request.args)


@bp.get("/")
@organiser_required()
def home(slug: str):
    return redirect(url_for(".index", slug=slug))


@bp.get("/organisations")
@organiser_required()
def index(slug: str):
    filters = _filters()
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    result = services.list_organisations(g.network, filters, page=page, per_page=PER_PAGE)
    args = {k: v for k, v in request.args.items() if k not in {"page", "lang"} and v}
    return render_template("organisations/organiser_list.html", network=g.network, page=result, filters=filters,
                           args=args, goals=all_goals(), kind_labels=KIND_LABELS, status_labels=STATUS_LABELS,
                           pledges=active_pledges(result.items))


def _export(kind: str):
    """Streamed: rows are read and written a batch at a time (see ``exports``); a list longer
    than EXPORT_WORKER_THRESHOLD is built by the worker instead, with a progress page."""
    stmt = services.filtered_select(g.network, _filters())
    name = f"{g.network.slug}-organisations.{kind}"
    if too_large_to_stream(stmt):
        return prepared("organisations", kind, request.args, name)
    if kind == "csv":
        return download(exports.csv_stream(g.network, stmt), CSV_MIMETYPE, name)
    return download(exports.xlsx_stream(g.network, stmt), XLSX_MIMETYPE, name)


@bp.get("/organisations.csv")
@organiser_required()
def export_csv(slug: str):
    return _export("csv")


@bp.get("/organisations.xlsx")
@organiser_required()
def export_xlsx(slug: str):
    return _export("xlsx")


def _detail(org, status: int = 200, *, new_link: str | None = None, **forms):
    goals_form = forms.get("goals_form") or GoalsForm(formdata=None, data={"goals": [str(n) for n in org.goal_numbers]})
    cluster_form = forms.get("cluster_form") or _cluster_form(org, formdata=None)
    return render_template(
        "organisations/organiser_detail.html", network=g.network, org=org, goals=all_goals(),
        goals_form=goals_form, selected=goals_form.selected(),
        cluster_form=cluster_form, reason_form=forms.get("reason_form") or ReasonForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        pledge=active_pledge(org), pledges=pledges_of(org), history=history_entries(org, current_lang(), user_names), new_link=new_link,
        kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, source_labels=SOURCE_LABELS,
        suggested=[l.goal_number for l in org.goal_links if l.suggested],
    ), status


def _cluster_form(org, **kwargs) -> ClusterForm:
    form = ClusterForm(data={"cluster": org.cluster.key if org.cluster else ""}, **kwargs)
    form.cluster.choices = [SelectChoice("", _("No cluster yet"))] + [
        SelectChoice(c.key, c.name(current_lang())) for c in g.network.clusters]
    return form


def _org(org_id: int):
    return services.get_organisation(g.network, org_id)


@bp.get("/organisations/<int:org_id>")
@organiser_required()
def detail(slug: str, org_id: int):
    return _detail(_org(org_id))


def _done(org, message: str):
    flash(message, "success")
    return redirect(url_for(".detail", slug=g.network.slug, org_id=org.id))


@bp.post("/organisations/<int:org_id>/approve")
@organiser_required()
def approve(slug: str, org_id: int):
    org = _org(org_id)
    services.approve(org, actor_user_id=current_user.id)
    return _done(org, _("The group is approved."))


@bp.post("/organisations/<int:org_id>/withdraw")
@organiser_required()
def withdraw(slug: str, org_id: int):
    org = _org(org_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _detail(org, 422, reason_form=form)
    services.withdraw(org, actor_kind="organiser", actor_user_id=current_user.id, reason=form.reason.cleaned or "")
    return _done(org, _("The group is marked as withdrawn."))


@bp.post("/organisations/<int:org_id>/goals")
@organiser_required()
def goals(slug: str, org_id: int):
    org = _org(org_id)
    form = GoalsForm()
    if not form.validate_on_submit():
        return _detail(org, 422, goals_form=form)
    services.set_goals(org, form.goals.cleaned, actor_kind="organiser", actor_user_id=current_user.id)
    return _done(org, _("The SDGs are saved."))


@bp.post("/organisations/<int:org_id>/cluster")
@organiser_required()
def cluster(slug: str, org_id: int):
    org = _org(org_id)
    form = _cluster_form(org)
    if not form.validate_on_submit():
        return _detail(org, 422, cluster_form=form)
    services.set_cluster(org, form.cluster.data or None, actor_kind="organiser", actor_user_id=current_user.id)
    return _done(org, _("The cluster is saved."))


@bp.post("/organisations/<int:org_id>/edit-link")
@organiser_required()
def new_edit_link(slug: str, org_id: int):
    org = _org(org_id)
    token = services.issue_edit_token(org, actor_kind="organiser", actor_user_id=current_user.id)
    response, status = _detail(org, new_link=edit_link(token))
    return Response(response, status, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@bp.post("/organisations/<int:org_id>/edit-link/revoke")
@organiser_required()
def revoke_edit_link(slug: str, org_id: int):
    org = _org(org_id)
    services.revoke_edit_tokens(org, actor_kind="organiser", actor_user_id=current_user.id)
    return _done(org, _("The group's edit links no longer work."))
