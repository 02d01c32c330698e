"""Pages for groups and the public: register through the group's edit link, the private
registration page with its QR code, and the network's joint actions.

Private tokens travel in the query string (``?t=...``), never in the path, and the pages send
``Referrer-Policy: no-referrer`` and ``Cache-Control: no-store`` (as the organisations' edit pages do).
"""
from __future__ import annotations

import qrcode
import qrcode.image.svg
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from ..errors import Invalid
from ..networks.services import get_network
from ..organisations.services import organisation_by_edit_token
from ..templating import current_lang
from ..timeutil import to_local
from . import breakouts, services
from .forms import RegistrationForm
from .models import RegistrationStatus

public_bp = Blueprint("meetings_public", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/meetings-static")


@public_bp.after_request
def _private(response):
    if request.endpoint != "meetings_public.actions":
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
    return response


def cluster_choices(meeting) -> list[tuple[int, str]]:
    """"No preference" plus the clusters that run breakout groups at ``meeting``."""
    lang = current_lang()
    running = {b.cluster_id for b in meeting.breakouts if b.tables > 0}
    return [(0, _("No preference"))] + [(c.id, c.name(lang)) for c in meeting.network.clusters if c.id in running]


def registration_data(form: RegistrationForm) -> dict:
    """Service arguments from a registration form (names only with consent to their purpose)."""
    names = [n for n in (form.attendee_names.data or "").splitlines() if n.strip()]
    if (names or (form.accessibility.data or "").strip()) and not form.consent.data:
        raise Invalid("Tick the consent box to give names or accessibility needs, or leave them empty.",
                      field="consent")
    return {"attendees": form.attendees.data, "attendee_names": names,
            "preferred_cluster_id": form.preferred_cluster_id.data or None,
            "accessibility": form.accessibility.data or ""}


def qr_svg(data: str) -> Markup:
    """An inline SVG QR code (no image file, no external service)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return Markup(svg[svg.find("<svg"):])


@public_bp.get("/meetings")
def group_meetings():
    """The group's meetings (through its edit link): open ones to join, its registrations."""
    token = request.args.get("t")
    organisation = organisation_by_edit_token(token)
    meetings = services.open_meetings(organisation.network)
    registrations = {m.id: services.active_registration(m, organisation) for m in meetings}
    return render_template("meetings/group_meetings.html", organisation=organisation, meetings=meetings,
                           registrations=registrations, token=token, lang=current_lang())


@public_bp.route("/meetings/<int:meeting_id>/register", methods=["GET", "POST"])
def group_register(meeting_id: int):
    token = request.args.get("t")
    organisation = organisation_by_edit_token(token)
    meeting = services.get_meeting(organisation.network, meeting_id)
    existing = services.active_registration(meeting, organisation)
    form = RegistrationForm()
    form.preferred_cluster_id.choices = cluster_choices(meeting)
    if request.method == "POST" and existing is None and form.validate():
        registration, private = services.register(meeting, organisation, source="web", **registration_data(form))
        if registration.status == RegistrationStatus.CONFIRMED:
            flash(_("You are registered. Keep this page's address: it is your private link and check-in code."),
                  "success")
        else:
            flash(_("The meeting is full, so you are on the waiting list. We will tell you if a seat frees up."),
                  "success")
        return redirect(url_for(".registration", t=private))
    status = 422 if request.method == "POST" and existing is None else 200
    return render_template("meetings/group_register.html", organisation=organisation, meeting=meeting, form=form,
                           existing=existing, token=token, open=services.registration_open(meeting),
                           lang=current_lang()), status


@public_bp.get("/meetings/registration")
def registration():
    """The registration's private page: status, waiting-list place, table, QR code for check-in."""
    token = request.args.get("t", "")
    registration = services.registration_by_token(token)
    meeting = registration.meeting
    code = services.checkin_code(token)
    checkin_url = url_for("meetings.checkin_code", slug=meeting.network.slug, meeting_id=meeting.id, c=code,
                          _external=True)
    return render_template(
        "meetings/registration.html", registration=registration, meeting=meeting, token=token,
        qr=qr_svg(checkin_url) if registration.status == RegistrationStatus.CONFIRMED else None,
        code=code, position=services.waitlist_position(registration), lang=current_lang(),
        local=to_local,
    )


@public_bp.post("/meetings/registration/cancel")
def cancel():
    token = request.args.get("t", "")
    registration = services.registration_by_token(token)
    services.cancel_registration(registration, actor_kind="group")
    flash(_("Your registration was cancelled."), "success")
    return redirect(url_for(".registration", t=token))


@public_bp.get("/n/<slug>/actions")
def actions(slug: str):
    """The network's joint actions for the year, agreed at the breakout tables."""
    network = get_network(slug)
    return render_template("meetings/actions.html", network=network,
                           actions=breakouts.joint_actions_for_network(network), lang=current_lang())
