"""The group's private edit link: change details and SDGs, sign, withdraw, delete personal data.

The token travels in the query string (``/edit?t=...``), never in the path, because the access
log records paths only. Pages carry ``Referrer-Policy: no-referrer`` and ``Cache-Control:
no-store`` so the link does not leak to other sites or shared caches.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import Conflict, DomainError
from ..goals.services import all_goals
from ..meetings.services import group_overview
from ..pledges.renewals import renew_pledge, renewal_offer
from ..pledges.services import active_pledge, pledges_of, sign_pledge
from . import services
from .consent import optional_text, retention_label, retention_months
from .forms import (ConfirmForm, EditDetailsForm, GoalsForm, KIND_LABELS, OptionalConsentsForm, PledgeForm, ReasonForm,
                    RenewPledgeForm,
                    STATUS_LABELS)
from .models import OrganisationStatus
from .validation import display_phone

bp = Blueprint("edit", __name__, template_folder="templates")


@bp.after_request
def _private(response):
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _org():
    return services.organisation_by_edit_token(request.args.get("t"))


def _page(org, status: int = 200, **forms):
    token = request.args.get("t")
    details = forms.get("details")
    if details is None:
        details = EditDetailsForm(formdata=None, obj=org)
        details.phone.data = display_phone(org.phone)
        details.seen.data = services.details_version(org)
    goals = forms.get("goals_form") or GoalsForm(formdata=None, data={"goals": [str(n) for n in org.goal_numbers]})
    pledge_form = forms.get("pledge_form") or PledgeForm(formdata=None, data={"signer_name": org.representative})
    renewal = renewal_offer(org)
    renew_form = forms.get("renew_form") or RenewPledgeForm(formdata=None, data={
        "renew_goals": [str(g.number) for g in renewal.goals] if renewal else [],
        "signer_name": (renewal.signer_name if renewal else "") or org.representative})
    return render_template(
        "organisations/edit.html", org=org, network=org.network, token=token, details=details,
        goals_form=goals, selected=goals.selected(), goals=all_goals(), pledge=active_pledge(org),
        history=pledges_of(org), pledge_form=pledge_form, reason_form=forms.get("reason_form") or ReasonForm(formdata=None),
        confirm_form=forms.get("confirm_form") or ConfirmForm(formdata=None), kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS, withdrawn=org.status == OrganisationStatus.WITHDRAWN,
        meetings=group_overview(org), **_privacy_context(org, forms.get("consents_form")),
        renewal=renewal, renew_form=renew_form, renew_selected=renew_form.selected(),
    ), status


def _privacy_context(org, form: OptionalConsentsForm | None) -> dict:
    """The "your data and consents" block of the edit page (PIPA)."""
    from ..templating import current_lang

    lang = current_lang()
    form = form or OptionalConsentsForm(formdata=None, data={
        "listing": org.listing_consented_at is not None, "telegram": org.telegram_consented_at is not None})
    return {"consents_form": form, "retention": retention_label(retention_months(org.network), lang),
            "optional_texts": {item: optional_text(item, lang) for item in ("website", "listing", "telegram")}}


def _back():
    return redirect(url_for(".show", t=request.args.get("t")))


@bp.route("/edit", methods=["GET", "POST"])
def show():
    org = _org()
    if request.method == "GET":
        return _page(org)
    form = EditDetailsForm()
    if not form.validate_on_submit():
        return _page(org, 422, details=form)
    try:
        changed = services.update_organisation(org, form.cleaned(), actor_kind="group", seen=form.seen.data or None)
    except services.StaleDetails as exc:
        # Changed elsewhere since this page was served (another tab, person or instance): show
        # the details as they are now, to make the change again on them.
        flash(exc.translated(), "error")
        return _page(org, exc.status)
    except DomainError as exc:
        form.name.errors = [exc.translated()]
        return _page(org, exc.status, details=form)
    flash(_("Your changes are saved.") if changed else _("Nothing was changed."), "success")
    return _back()


@bp.post("/edit/goals")
def goals():
    org = _org()
    form = GoalsForm()
    if not form.validate_on_submit():
        return _page(org, 422, goals_form=form)
    services.set_goals(org, form.goals.cleaned, actor_kind="group")
    flash(_("Your SDGs are saved."), "success")
    return _back()


@bp.post("/edit/pledge")
def pledge():
    org = _org()
    form = PledgeForm()
    # The consent was given at registration; here only the signature is asked for.
    form.consent.data = True
    if not form.validate_on_submit():
        return _page(org, 422, pledge_form=form)
    sign_pledge(org, form.signer_name.cleaned, org.goal_numbers, form.joint_action.cleaned or "")
    flash(_("Thank you for signing the pledge."), "success")
    return _back()


@bp.post("/edit/consents")
def consents():
    org = _org()
    form = OptionalConsentsForm()
    if not form.validate_on_submit():
        return _page(org, 422, consents_form=form)
    changed = services.set_optional_consents(org, listing=bool(form.listing.data), telegram=bool(form.telegram.data),
                                             actor_kind="group")
    flash(_("Your choices are saved.") if changed else _("Nothing was changed."), "success")
    return _back()


@bp.post("/edit/telegram")
def telegram():
    """Open the bot with a one-time link that ties the chat to this group (needs the Telegram consent)."""
    from ..notices.services import issue_link_token

    org = _org()
    if org.telegram_consented_at is None or org.status == OrganisationStatus.WITHDRAWN:
        raise Conflict("Please agree to receive meeting notices on Telegram first.")
    _token, url = issue_link_token(org.network, org)
    return redirect(url)


@bp.post("/edit/renew")
def renew():
    """Renew last edition's pledge for the current one (its SDGs pre-ticked, changeable)."""
    org = _org()
    form = RenewPledgeForm()
    if not form.validate_on_submit():
        return _page(org, 422, renew_form=form)
    try:
        pledge = renew_pledge(org, goals=form.renew_goals.cleaned, signer_name=form.signer_name.cleaned)
    except DomainError as exc:
        form.renew_goals.errors = [exc.translated()]
        return _page(org, exc.status, renew_form=form)
    flash(_("Thank you: your pledge is renewed for %(edition)d.", edition=pledge.edition), "success")
    return _back()


@bp.post("/edit/withdraw")
def withdraw():
    org = _org()
    form = ReasonForm()
    if not form.validate_on_submit():
        return _page(org, 422, reason_form=form)
    services.withdraw(org, actor_kind="group", reason=form.reason.cleaned or "")
    flash(_("Your group has left the network. The organisers can see that you withdrew."), "success")
    return _back()


@bp.post("/edit/erase")
def erase():
    org = _org()
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(org, 422, confirm_form=form)
    network = org.network
    services.erase_personal_data(org, actor_kind="group")
    flash(_("Your personal data has been deleted. This edit link no longer works."), "success")
    current_app.logger.info("personal data erased for organisation %s", org.id)
    return redirect(url_for("web.home", _anchor=network.slug))
