"""Organiser login and logout."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .forms import LoginForm
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
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or organiser_home_url())
        flash(_("The e-mail or password is not right."), "error")
        return render_template("accounts/login.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("web.home"))


@bp.get("/organiser")
@login_required
def networks():
    return render_template("accounts/networks.html", memberships=_memberships())
