"""Home page and health check."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..networks.services import list_networks

bp = Blueprint("web", __name__, template_folder="templates")


@bp.get("/")
def home():
    return render_template("web/home.html", networks=list_networks())


@bp.get("/healthz")
def health():
    return {"status": "ok"}
