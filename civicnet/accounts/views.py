"""Organiser login and logout."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import Invalid
from ..extensions import db
from . import services
from .forms import ConfirmForm, LoginForm, PasswordForm
from .models import Membership
from .services import authenticate

bp = Blueprint("accounts", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def _memberships() -> list[Membership]:
    return sorted(current_user.memberships, key=lambda m: m.network.slug)


def organiser_home_url() -> str:
    memberships = _memberships()
    if len(memberships) == 1:
        return url_for("organisers.index", slug=memberships[0].network.slug)
    return url_for("accounts.networks")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(organiser_home_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            services.start_session(user, remember=form.remember.data,
                                   user_agent=request.headers.get("User-Agent", ""))
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or organiser_home_url())
        flash(_("The e-mail or password is not right."), "error")
        return render_template("accounts/login.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated and current_user.current_session is not None:
        # The session row is revoked, so a copy of this session or remember cookie is worthless.
        services.revoke_session(current_user, current_user.current_session.id)
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("web.home"))


@bp.get("/organiser")
@login_required
def networks():
    return render_template("accounts/networks.html", memberships=_memberships())


@bp.get("/organiser/sessions")
@login_required
def sessions():
    return render_template("accounts/sessions.html", sessions=services.active_sessions(current_user),
                           current=current_user.current_session, form=ConfirmForm())


@bp.post("/organiser/sessions/<int:session_id>/revoke")
@login_required
def revoke_session(session_id: int):
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".sessions"))
    services.revoke_session(current_user, session_id)
    flash(_("That browser is logged out."), "success")
    return redirect(url_for(".sessions"))


@bp.post("/organiser/sessions/revoke-others")
@login_required
def revoke_other_sessions():
    if ConfirmForm().validate_on_submit():
        count = services.revoke_sessions(current_user, keep=current_user.current_session)
        flash(_("Logged out on %(count)d other browsers.", count=count), "success")
    return redirect(url_for(".sessions"))


@bp.route("/organiser/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data,
                                     keep=current_user.current_session)
        except Invalid as exc:
            db.session.rollback()
            target = form.current_password if exc.field == "current_password" else form.new_password
            target.errors = [*target.errors, exc.translated()]
            return render_template("accounts/password.html", form=form), 422
        flash(_("Your password is changed. Every other browser is logged out."), "success")
        return redirect(url_for(".sessions"))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200
