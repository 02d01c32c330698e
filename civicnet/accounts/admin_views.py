"""Network administration, for the network's admins only: accounts, API tokens, erasing a group's
personal data, and the audit log of what organisers did. Staff get 403 on every route here."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import Invalid
from ..extensions import db
from ..organisations import services as org_services
from . import services
from .access import organiser_required
from .forms import AccountForm, ConfirmForm, RoleForm, TokenForm
from .models import AuditEvent, Role

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/o/<slug>/admin")
admin_required = organiser_required(role=Role.ADMIN)
AUDIT_PER_PAGE = 100


def _accounts_page(form: AccountForm | None = None, status: int = 200):
    return render_template("accounts/admin_accounts.html", network=g.network,
                           members=services.network_members(g.network), form=form or AccountForm(formdata=None),
                           role_form=RoleForm(formdata=None), confirm=ConfirmForm(formdata=None)), status


@bp.get("/accounts")
@admin_required
def accounts(slug: str):
    return _accounts_page()


@bp.post("/accounts")
@admin_required
def add_account(slug: str):
    form = AccountForm()
    if not form.validate_on_submit():
        return _accounts_page(form, 422)
    try:
        services.create_user(form.email.data, form.name.data, form.password.data or "", network=g.network,
                             role=form.role.data)
    except Invalid as exc:
        db.session.rollback()
        target = getattr(form, exc.field or "", None) or form.email
        target.errors = [*target.errors, exc.translated()]
        return _accounts_page(form, 422)
    flash(_("The account can now organise this network."), "success")
    return redirect(url_for(".accounts", slug=slug))


@bp.post("/accounts/<int:user_id>/role")
@admin_required
def set_role(slug: str, user_id: int):
    form = RoleForm()
    if form.validate_on_submit():
        services.set_role(g.network, user_id, form.role.data, actor=current_user)
        flash(_("The role is saved."), "success")
    return redirect(url_for(".accounts", slug=slug))


@bp.post("/accounts/<int:user_id>/remove")
@admin_required
def remove_account(slug: str, user_id: int):
    if ConfirmForm().validate_on_submit():
        services.remove_member(g.network, user_id, actor=current_user)
        flash(_("The account no longer organises this network; its sessions and API tokens are revoked."),
              "success")
    return redirect(url_for(".accounts", slug=slug))


def _tokens_page(new_token: str | None = None, form: TokenForm | None = None, status: int = 200):
    body = render_template("accounts/admin_tokens.html", network=g.network, tokens=services.network_tokens(g.network),
                           form=form or TokenForm(formdata=None), confirm=ConfirmForm(formdata=None),
                           new_token=new_token)
    return Response(body, status, headers={"Cache-Control": "no-store"} if new_token else {})


@bp.get("/tokens")
@admin_required
def tokens(slug: str):
    return _tokens_page()


@bp.post("/tokens")
@admin_required
def create_token(slug: str):
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form=form, status=422)
    _, raw = services.create_api_token(current_user, g.network, form.name.data or "api")
    return _tokens_page(new_token=raw)


@bp.post("/tokens/<int:token_id>/revoke")
@admin_required
def revoke_token(slug: str, token_id: int):
    if ConfirmForm().validate_on_submit():
        services.revoke_network_token(g.network, token_id)
        flash(_("The API token no longer works."), "success")
    return redirect(url_for(".tokens", slug=slug))


@bp.post("/organisations/<int:org_id>/erase")
@admin_required
def erase(slug: str, org_id: int):
    org = org_services.get_organisation(g.network, org_id)
    if ConfirmForm().validate_on_submit():
        org_services.erase_personal_data(org, actor_kind="organiser", actor_user_id=current_user.id)
        flash(_("The group's personal data is deleted."), "success")
    return redirect(url_for("organisers.detail", slug=slug, org_id=org.id))


@bp.get("/audit")
@admin_required
def audit(slug: str):
    page = request.args.get("page", 1, type=int)
    page = min(max(1, page), 100_000)
    stmt = sa.select(AuditEvent).where(AuditEvent.network_id == g.network.id).order_by(AuditEvent.id.desc())
    events = list(db.session.scalars(stmt.limit(AUDIT_PER_PAGE + 1).offset((page - 1) * AUDIT_PER_PAGE)))
    return render_template("accounts/admin_audit.html", network=g.network, events=events[:AUDIT_PER_PAGE],
                           page=page, has_next=len(events) > AUDIT_PER_PAGE)
