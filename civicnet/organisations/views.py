"""Public registration in three steps: details → SDGs → pledge and consent → confirmation.

What was typed travels between steps in a signed hidden field (not the session cookie, which
could not hold 5,000 characters of Korean text); every step re-checks it on the server.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..errors import Invalid
from ..extensions import db
from ..goals.services import all_goals
from ..networks.models import Network
from ..networks.services import get_network
from ..pledges.services import sign_pledge
from ..templating import current_lang
from . import services
from .consent import CONSENT_VERSION, consent_text, guardian_text, optional_text, stored_text
from .forms import DetailsForm, KIND_LABELS, RegistrationGoalsForm, RegistrationPledgeForm
from .suggestions import suggest_goals_explained

bp = Blueprint("organisations", __name__, template_folder="templates")
STATE_MAX_AGE = 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="civicnet-registration")


def _dump(state: dict) -> str:
    return _serializer().dumps(state)


def _load(network: Network, raw: str | None) -> dict:
    try:
        state = _serializer().loads(raw or "", max_age=STATE_MAX_AGE)
    except BadSignature:
        abort(400)
    if not isinstance(state, dict) or state.get("network") != network.slug or "details" not in state:
        abort(400)
    return state


def _render(template: str, network: Network, status: int = 200, **context):
    return render_template(f"organisations/{template}", network=network, goals=all_goals(),
                           kind_labels=KIND_LABELS, **context), status


def _duplicate(network: Network):
    return _render("duplicate.html", network, status=409)


@bp.route("/n/<slug>/register", methods=["GET", "POST"])
def register(slug: str):
    # The pages never show the clusters; the classifier reads them in a query of its own.
    network = get_network(slug, clusters=False)
    form = DetailsForm()
    if request.method == "POST" and request.form.get("back"):
        # "Back" from step 2: show the details again, as typed.
        state = _load(network, request.form.get("state"))
        form = DetailsForm(formdata=None, data=state["details"])
        return _render("register_details.html", network, form=form, state=request.form.get("state"))
    if form.validate_on_submit():
        details = form.cleaned()
        if services.find_existing(network, details["name"], details["email"], details["phone"]):
            return _duplicate(network)
        previous = _peek(network, request.form.get("state"))
        if previous and previous["details"]["activities"] == details["activities"]:
            suggestions, reasons = previous["suggestions"], previous.get("reasons") or {}
        else:
            suggestions, reasons = suggest_goals_explained(network, details["activities"], current_lang())
        chosen = previous.get("goals") if previous else None
        state = {"network": network.slug, "details": details, "suggestions": {str(k): v for k, v in suggestions.items()},
                 "reasons": {str(k): v for k, v in reasons.items()},
                 "goals": chosen or [int(k) for k in suggestions]}
        goals_form = RegistrationGoalsForm(formdata=None, data={"state": _dump(state)})
        return _render("register_goals.html", network, form=goals_form, selected=state["goals"],
                       suggested=[int(k) for k in suggestions], details=details, reasons=state["reasons"])
    status = 422 if request.method == "POST" else 200
    return _render("register_details.html", network, status, form=form, state=request.form.get("state"))


def _peek(network: Network, raw: str | None) -> dict | None:
    if not raw:
        return None
    try:
        return _load(network, raw)
    except Exception:
        return None


@bp.post("/n/<slug>/register/goals")
def register_goals(slug: str):
    network = get_network(slug)
    form = RegistrationGoalsForm()
    state = _load(network, form.state.data)
    suggested = [int(k) for k in state["suggestions"]]
    if request.form.get("back"):
        state["goals"] = form.selected()
        details_form = DetailsForm(formdata=None, data=state["details"])
        return _render("register_details.html", network, form=details_form, state=_dump(state))
    if not form.validate_on_submit():
        return _render("register_goals.html", network, 422, form=form, details=state["details"],
                       selected=form.selected(), suggested=suggested, reasons=state.get("reasons") or {})
    state["goals"] = form.goals.cleaned
    pledge_form = RegistrationPledgeForm(formdata=None, data={"state": _dump(state),
                                                              "signer_name": state["details"]["representative"]})
    return _consent_page(network, pledge_form, state)


def _consent_page(network: Network, form: RegistrationPledgeForm, state: dict, status: int = 200):
    """Step 3: the pledge, the required consent and each optional consent on its own."""
    lang = current_lang()
    optional = {item: optional_text(item, lang) for item in ("website", "listing", "telegram")}
    return _render("register_pledge.html", network, status, form=form, state=state,
                   consent=consent_text(network, lang), optional=optional, guardian=guardian_text(lang),
                   individual=state["details"].get("kind") == "individual")


@bp.post("/n/<slug>/register/pledge")
def register_pledge(slug: str):
    network = get_network(slug)
    form = RegistrationPledgeForm()
    state = _load(network, form.state.data)
    if request.form.get("back"):
        goals_form = RegistrationGoalsForm(formdata=None, data={"state": form.state.data})
        return _render("register_goals.html", network, form=goals_form, details=state["details"],
                       selected=state["goals"], suggested=[int(k) for k in state["suggestions"]],
                       reasons=state.get("reasons") or {})
    lang = current_lang()
    kind = state["details"].get("kind") or ""
    valid = form.validate_on_submit()
    if not (form.check_individual(kind) and valid):
        return _consent_page(network, form, state, 422)
    choices = form.choices(kind)
    data = state["details"] | {"language": lang}
    text = stored_text(network, lang, optional=tuple(i for i in choices.optional
                                                     if i != "website" or data.get("website")),
                       guardian=bool(choices.guardian))
    try:
        result = services.register_organisation(
            network, data, goals=state["goals"], suggestions={int(k): v for k, v in state["suggestions"].items()},
            consent_version=CONSENT_VERSION, consent_text=text, actor_kind="group", require_goals=True,
            choices=choices)
    except Invalid:
        # The signed state was valid when signed; rules may have changed since. Start again.
        abort(400)
    if not result.created:
        return _duplicate(network)
    sign_pledge(result.organisation, form.signer_name.cleaned, state["goals"], form.joint_action.cleaned or "",
                new_group=True)
    db.session.commit()
    session["registered"] = {"org": result.organisation.id, "token": result.edit_token}
    return redirect(url_for(".registered", slug=network.slug))


@bp.get("/n/<slug>/register/done")
def registered(slug: str):
    network = get_network(slug)
    done = session.get("registered")
    if not done:
        return redirect(url_for(".register", slug=network.slug))
    org = services.get_organisation(network, done["org"])
    link = edit_link(done["token"])
    response = current_app.make_response(_render("registered.html", network, org=org, link=link))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def edit_link(token: str) -> str:
    """The private edit URL: on this host during a request, else under PUBLIC_BASE_URL."""
    if request:
        return url_for("edit.show", t=token, _external=True)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("edit.show", t=token)
