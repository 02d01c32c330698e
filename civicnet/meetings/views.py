"""Organisers' meeting pages: create and edit, registrations, check-in, breakouts, exports."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..accounts.access import organiser_required
from ..downloads.services import too_large
from ..downloads.views import prepared
from ..errors import Invalid, NotFound
from ..extensions import db
from ..goals.services import all_goals
from ..organisations.forms import KIND_LABELS
from ..organisations.models import Organisation, OrganisationStatus
from ..spreadsheets import CSV_MIMETYPE, XLSX_MIMETYPE, csv_bytes, download
from ..templating import current_lang
from ..timeutil import to_local, to_utc
from . import assignment, breakouts, exports, pdf, services
from .forms import JointActionForm, MeetingForm, OnBehalfForm
from .models import RegistrationStatus
from .public_views import cluster_choices, public_bp, registration_data  # noqa: F401

bp = Blueprint("meetings", __name__, template_folder="templates", url_prefix="/o/<slug>/meetings")

ACTION_LABELS = {"assign": _l("placed"), "move": _l("moved"), "lock": _l("locked"), "unlock": _l("unlocked"),
                 "release": _l("taken off the table")}
ACTOR_LABELS = {"optimiser": _l("automatic assignment"), "organiser": _l("organiser"), "system": _l("check-in desk"),
                "group": _l("the group")}
STATUS_LABELS = {"confirmed": _l("Confirmed"), "waitlisted": _l("Waiting list"), "cancelled": _l("Cancelled")}


def _meeting(meeting_id: int):
    return services.get_meeting(g.network, meeting_id)


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


# --- meetings ---------------------------------------------------------------------------------

@bp.get("/")
@organiser_required()
def index(slug: str):
    meetings = services.list_meetings(g.network)
    stats = {m.id: services.checkin_stats(m) for m in meetings}
    return render_template("meetings/index.html", network=g.network, meetings=meetings, stats=stats)


def _programme_lines(meeting) -> str:
    lines = []
    for item in meeting.programme:
        local = to_local(item.at)
        lines.append(" | ".join([f"{local:%H:%M}", item.item_ko, item.item_en, item.note]).rstrip(" |"))
    return "\n".join(lines)


def _parse_programme(text: str, day) -> list[dict]:
    items = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + ["", "", ""]
        try:
            clock = time.fromisoformat(parts[0])
        except ValueError as error:
            raise Invalid("Programme line %(number)s must start with a time like 14:00.", field="programme",
                          number=number) from error
        if not parts[1]:
            raise Invalid("Programme line %(number)s needs an item.", field="programme", number=number)
        items.append({"at": to_utc(datetime.combine(day, clock)), "item_ko": parts[1],
                      "item_en": parts[2], "note": parts[3]})
    return items


def _breakout_setup() -> dict[int, tuple[int, int]]:
    setup = {}
    for cluster in g.network.clusters:
        try:
            tables = int(request.form.get(f"tables_{cluster.id}", "0") or 0)
            seats = int(request.form.get(f"seats_{cluster.id}", "8") or 8)
        except ValueError as error:
            raise Invalid("Tables and seats must be whole numbers.") from error
        setup[cluster.id] = (tables, seats)
    return setup


def _meeting_data(form: MeetingForm) -> dict:
    day = form.day.data
    opens, closes = form.registration_opens.data, form.registration_closes.data
    return {
        "title_ko": form.title_ko.data.strip(), "title_en": (form.title_en.data or "").strip(),
        "venue_ko": (form.venue_ko.data or "").strip(), "venue_en": (form.venue_en.data or "").strip(),
        "starts_at": to_utc(datetime.combine(day, form.start.data)),
        "ends_at": to_utc(datetime.combine(day, form.end.data)),
        "registration_opens_at": to_utc(datetime.combine(opens, time())) if opens else None,
        "registration_closes_at": (to_utc(datetime.combine(closes + timedelta(days=1), time()))
                                   if closes else None),
        "capacity": form.capacity.data, "per_organisation_limit": form.per_organisation_limit.data,
        "table_min_people": form.table_min_people.data or 6, "table_max_people": form.table_max_people.data or 8,
        "table_min_groups": form.table_min_groups.data or 3,
        "programme": _parse_programme(form.programme.data, day), "breakouts": _breakout_setup(),
    }


def _show_on_form(form, error: Invalid) -> None:
    """A rule the service refused: undo what it wrote and show the reason beside the field (or above
    the form), so the organiser keeps everything typed."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.translated()]
    else:
        flash(error.translated(), "error")


def _form_page(form, meeting=None, status=200):
    setup = {b.cluster_id: b for b in meeting.breakouts} if meeting else {}
    return render_template("meetings/form.html", network=g.network, form=form, meeting=meeting,
                           setup=setup), status


@bp.route("/new", methods=["GET", "POST"])
@organiser_required()
def new(slug: str):
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            meeting = services.create_meeting(g.network, _meeting_data(form))
        except Invalid as error:
            _show_on_form(form, error)
        else:
            flash(_("The meeting was created."), "success")
            return redirect(url_for(".show", slug=slug, meeting_id=meeting.id))
    return _form_page(form, status=422 if request.method == "POST" else 200)


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
@organiser_required()
def edit(slug: str, meeting_id: int):
    meeting = _meeting(meeting_id)
    if request.method == "GET":
        start, end = to_local(meeting.starts_at), to_local(meeting.ends_at)
        opens = to_local(meeting.registration_opens_at) if meeting.registration_opens_at else None
        closes = to_local(meeting.registration_closes_at) if meeting.registration_closes_at else None
        form = MeetingForm(formdata=None, data={
            "title_ko": meeting.title_ko, "title_en": meeting.title_en, "venue_ko": meeting.venue_ko,
            "venue_en": meeting.venue_en, "day": start.date(), "start": start.time(), "end": end.time(),
            "registration_opens": opens.date() if opens else None,
            "registration_closes": (closes - timedelta(days=1)).date() if closes else None,
            "capacity": meeting.capacity, "per_organisation_limit": meeting.per_organisation_limit,
            "table_min_people": meeting.table_min_people, "table_max_people": meeting.table_max_people,
            "table_min_groups": meeting.table_min_groups, "programme": _programme_lines(meeting),
        })
        return _form_page(form, meeting)
    form = MeetingForm()
    if form.validate_on_submit():
        try:
            promoted = services.update_meeting(meeting, _meeting_data(form), actor_user_id=_user_id())
        except Invalid as error:
            _show_on_form(form, error)
        else:
            flash(_("The meeting was saved."), "success")
            if promoted:
                flash(_("%(count)s registrations moved from the waiting list.", count=len(promoted)), "success")
            return redirect(url_for(".show", slug=slug, meeting_id=meeting.id))
    return _form_page(form, meeting, status=422)


def _on_behalf_form(meeting, formdata=None) -> OnBehalfForm:
    form = OnBehalfForm(formdata=formdata) if formdata is not None else OnBehalfForm(formdata=None)
    orgs = db.session.scalars(sa.select(Organisation).where(
        Organisation.network_id == g.network.id, Organisation.status != OrganisationStatus.WITHDRAWN,
    ).order_by(Organisation.name))
    form.organisation_id.choices = [(o.id, o.name) for o in orgs]
    form.preferred_cluster_id.choices = cluster_choices(meeting)
    return form


@bp.get("/<int:meeting_id>")
@organiser_required()
def show(slug: str, meeting_id: int, form: OnBehalfForm | None = None, status: int = 200):
    meeting = _meeting(meeting_id)
    regs = services.registrations(meeting)
    # ``regs`` is in waiting-list order (created_at, id), so positions need no query per row.
    waiting = [r for r in regs if r.status == RegistrationStatus.WAITLISTED]
    return render_template(
        "meetings/show.html", network=g.network, meeting=meeting, registrations=regs,
        stats=services.checkin_stats(meeting), form=form or _on_behalf_form(meeting),
        status_labels=STATUS_LABELS, open=services.registration_open(meeting), lang=current_lang(),
        positions={r.id: n for n, r in enumerate(waiting, start=1)},
    ), status


@bp.post("/<int:meeting_id>/registrations")
@organiser_required()
def register_on_behalf(slug: str, meeting_id: int):
    meeting = _meeting(meeting_id)
    form = _on_behalf_form(meeting, request.form)
    if not form.validate():
        return show(slug=slug, meeting_id=meeting_id, form=form, status=422)
    organisation = db.session.get(Organisation, form.organisation_id.data)
    registration, token = services.register(
        meeting, organisation, source="organiser", ignore_window=True, **registration_data(form))
    link = url_for("meetings_public.registration", t=token, _external=True)
    if registration.status == RegistrationStatus.CONFIRMED:
        flash(_("Registered. Send this private link to the group: %(link)s", link=link), "success")
    else:
        flash(_("The meeting is full: the group is on the waiting list. Private link: %(link)s", link=link), "success")
    return redirect(url_for(".show", slug=slug, meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/registrations/<int:registration_id>/cancel")
@organiser_required()
def cancel(slug: str, meeting_id: int, registration_id: int):
    meeting = _meeting(meeting_id)
    registration = services.get_registration(meeting, registration_id)
    promoted = services.cancel_registration(registration, actor_kind="organiser", actor_user_id=_user_id())
    flash(_("The registration was cancelled."), "success")
    if promoted:
        flash(_("%(count)s registrations moved from the waiting list.", count=len(promoted)), "success")
    return redirect(url_for(".show", slug=slug, meeting_id=meeting.id))


# --- check-in ---------------------------------------------------------------------------------

@bp.get("/<int:meeting_id>/checkin")
@organiser_required()
def checkin(slug: str, meeting_id: int):
    meeting = _meeting(meeting_id)
    query = request.args.get("q", "")[:100]
    arrived_id = request.args.get("arrived", type=int)
    arrived = services.get_registration(meeting, arrived_id) if arrived_id else None
    return render_template("meetings/checkin.html", network=g.network, meeting=meeting, query=query,
                           found=services.search_registrations(meeting, query),
                           walk_ins=services.walk_in_candidates(meeting, query), arrived=arrived,
                           stats=services.checkin_stats(meeting), lang=current_lang())


@bp.get("/<int:meeting_id>/checkin/stats.json")
@organiser_required()
def checkin_stats(slug: str, meeting_id: int):
    response = jsonify(services.checkin_stats(_meeting(meeting_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:meeting_id>/checkin/code")
@organiser_required()
def checkin_code(slug: str, meeting_id: int):
    """The URL a registration's QR code carries: shows the group and a check-in button."""
    meeting = _meeting(meeting_id)
    registration = services.registration_by_checkin_code(meeting, request.args.get("c", ""))
    return render_template("meetings/checkin_code.html", network=g.network, meeting=meeting,
                           registration=registration, stats=services.checkin_stats(meeting))


@bp.get("/<int:meeting_id>/checkin/registrations/<int:registration_id>")
@organiser_required()
def checkin_registration(slug: str, meeting_id: int, registration_id: int):
    """What the QR code on a printed name tag opens: the group and a check-in button."""
    meeting = _meeting(meeting_id)
    registration = services.get_registration(meeting, registration_id)
    return render_template("meetings/checkin_code.html", network=g.network, meeting=meeting,
                           registration=registration, stats=services.checkin_stats(meeting))


@bp.post("/<int:meeting_id>/checkin/<int:registration_id>")
@organiser_required()
def check_in(slug: str, meeting_id: int, registration_id: int):
    meeting = _meeting(meeting_id)
    registration = services.get_registration(meeting, registration_id)
    name = registration.organisation.name
    if services.check_in(registration, user_id=_user_id()):
        flash(_("%(name)s checked in.", name=name), "success")
        # Registered after the tables were made: seat them now, as a walk-in would be.
        if meeting.assignment_summary and registration.table_id is None:
            breakouts.seat_arrival(registration, actor_user_id=_user_id())
    else:
        flash(_("%(name)s had already checked in; nothing changed.", name=name), "info")
    return redirect(url_for(".checkin", slug=slug, meeting_id=meeting.id, q=request.form.get("q", ""),
                            arrived=registration.id))


@bp.post("/<int:meeting_id>/checkin/walk-in")
@organiser_required()
def walk_in(slug: str, meeting_id: int):
    """One tap: a group that came without a seat is registered, checked in and seated."""
    meeting = _meeting(meeting_id)
    organisation_id = request.form.get("organisation_id", type=int) or 0
    organisation = db.session.get(Organisation, organisation_id) if services.valid_id(organisation_id) else None
    if organisation is None or organisation.network_id != g.network.id:
        raise NotFound("There is no such organisation.")
    registration = services.add_walk_in(meeting, organisation, attendees=1, user_id=_user_id())
    if registration.table is None:
        flash(_("%(name)s checked in, but no table has room: seat them by hand.", name=organisation.name), "error")
    else:
        flash(_("%(name)s checked in as a walk-in.", name=organisation.name), "success")
    return redirect(url_for(".checkin", slug=slug, meeting_id=meeting.id, arrived=registration.id))


# --- breakouts --------------------------------------------------------------------------------

@bp.get("/<int:meeting_id>/breakouts")
@organiser_required()
def breakout_page(slug: str, meeting_id: int):
    meeting = _meeting(meeting_id)
    seating, _unseated = breakouts.seating(meeting)
    return render_template("meetings/breakouts.html", network=g.network, meeting=meeting, seating=seating,
                           plan=breakouts.plan(meeting), changes=breakouts.assignment_changes(meeting),
                           actions=breakouts.joint_actions_by_table(meeting), kind_labels=KIND_LABELS,
                           summary=meeting.assignment_summary, weights=assignment.Weights(), lang=current_lang(),
                           action_labels=ACTION_LABELS, actor_labels=ACTOR_LABELS)


@bp.post("/<int:meeting_id>/breakouts/assign")
@organiser_required()
def assign(slug: str, meeting_id: int):
    meeting = _meeting(meeting_id)
    arrived_only = request.form.get("arrived_only") == "1"
    summary = breakouts.run_assignment(meeting, actor_user_id=_user_id(), arrived_only=arrived_only)
    flash(_("Groups were assigned: %(seated)s seated at %(tables)s tables, %(unassigned)s without a seat.",
            seated=summary["seated"], tables=summary["tables_used"], unassigned=summary["unassigned"]), "success")
    return redirect(url_for(".breakout_page", slug=slug, meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/breakouts/move")
@organiser_required()
def move(slug: str, meeting_id: int):
    meeting = _meeting(meeting_id)
    registration = services.get_registration(meeting, request.form.get("registration_id", type=int) or 0)
    table_id = request.form.get("table_id", type=int) or 0
    table = breakouts.get_table(meeting, table_id) if table_id else None
    breakouts.move_registration(registration, table, actor_user_id=_user_id())
    flash(_("The group was moved."), "success")
    return redirect(url_for(".breakout_page", slug=slug, meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/breakouts/lock")
@organiser_required()
def lock(slug: str, meeting_id: int):
    meeting = _meeting(meeting_id)
    registration = services.get_registration(meeting, request.form.get("registration_id", type=int) or 0)
    breakouts.set_locked(registration, request.form.get("locked") == "1", actor_user_id=_user_id())
    return redirect(url_for(".breakout_page", slug=slug, meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/tables/<int:table_id>/action", methods=["GET", "POST"])
@organiser_required()
def joint_action(slug: str, meeting_id: int, table_id: int):
    meeting = _meeting(meeting_id)
    table = breakouts.get_table(meeting, table_id)
    members = dict(breakouts.seating(meeting)[0])[table]
    existing = breakouts.joint_action_for_table(table)
    if request.method == "POST":
        form = JointActionForm()
    elif existing:
        form = JointActionForm(formdata=None, data={
            "title": existing.title, "description": existing.description,
            "goals": [gl.number for gl in existing.goals], "lead_organisation_id": existing.lead_organisation_id or 0,
            "partners": [p.id for p in existing.partners]})
    else:
        form = JointActionForm(formdata=None, data={"goals": table.cluster.goal_numbers})
    lang = current_lang()
    form.goals.choices = [(gl.number, f"{gl.number}. {gl.short(lang)}") for gl in all_goals()]
    org_choices = [(r.organisation_id, r.organisation.name) for r in members]
    form.lead_organisation_id.choices = [(0, _("None"))] + org_choices
    form.partners.choices = org_choices
    if request.method == "POST" and form.validate():
        breakouts.record_joint_action(
            table, title=form.title.data, description=form.description.data, goal_numbers=form.goals.data,
            lead_organisation_id=form.lead_organisation_id.data or None, partner_ids=form.partners.data)
        flash(_("The joint action was saved."), "success")
        return redirect(url_for(".breakout_page", slug=slug, meeting_id=meeting.id))
    return render_template("meetings/joint_action.html", network=g.network, meeting=meeting, table=table,
                           form=form, lang=lang), 422 if request.method == "POST" else 200


# --- exports ----------------------------------------------------------------------------------

def _spreadsheet(fmt: str, kind: str, meeting, params: dict, rows_total: int, name: str, sheet: tuple, rows):
    """The CSV or XLSX download of ``sheet`` (headers, title); past EXPORT_WORKER_THRESHOLD rows, a
    file the worker builds (a redirect to its progress page); None for any other format. ``rows`` is
    called only to stream."""
    if fmt not in {"csv", "xlsx"}:
        return None
    if too_large(rows_total):
        return prepared(kind, fmt, {"meeting": str(meeting.id)} | params, f"{name}.{fmt}")
    headers, title = sheet
    if fmt == "csv":
        return download(csv_bytes(headers, rows()), CSV_MIMETYPE, f"{name}.csv")
    return download(exports.to_xlsx(headers, rows(), title), XLSX_MIMETYPE, f"{name}.xlsx")


@bp.get("/<int:meeting_id>/export/tables.<fmt>")
@organiser_required()
def export_tables(slug: str, meeting_id: int, fmt: str):
    meeting = _meeting(meeting_id)
    cluster_id = request.args.get("cluster", type=int)
    name = f"meeting-{meeting.id}-tables" + (f"-cluster-{cluster_id}" if cluster_id else "")
    response = _spreadsheet(fmt, "meeting-tables", meeting, {"cluster": str(cluster_id)} if cluster_id else {},
                            exports.row_count(meeting), name, (exports.TABLE_HEADERS, exports.TABLES_TITLE),
                            lambda: exports.tables_export(meeting, cluster_id))
    if response is not None:
        return response
    if fmt == "pdf":
        plan = breakouts.plan(meeting)
        if cluster_id:
            plan.tables = [t for t in plan.tables if t.table.cluster_id == cluster_id]
        actions = breakouts.joint_actions_by_table(meeting)
        return download(pdf.tables_pdf(meeting, plan, actions, overview=not cluster_id), "application/pdf",
                        f"{name}.pdf")
    raise Invalid("Unknown export format.")


@bp.get("/<int:meeting_id>/export/nametags.pdf")
@organiser_required()
def export_nametags(slug: str, meeting_id: int):
    """Name tags for every confirmed person (by table, then group), each with its check-in QR."""
    meeting = _meeting(meeting_id)
    regs = services.registrations(meeting, status=RegistrationStatus.CONFIRMED)
    regs.sort(key=lambda r: (r.table.shown_number if r.table else 10**6, r.organisation.name, r.id))
    tags = []
    for r in regs:
        url = url_for(".checkin_registration", slug=slug, meeting_id=meeting.id, registration_id=r.id, _external=True)
        names = list(r.attendee_names or []) + [""] * max(0, r.attendees - len(r.attendee_names or []))
        tags.extend(pdf.NameTag(name=n, group=r.organisation.name, table=r.table, qr=url) for n in names)
    return download(pdf.nametags_pdf(meeting, tags), "application/pdf", f"meeting-{meeting.id}-nametags.pdf")


@bp.get("/<int:meeting_id>/export/tents.pdf")
@organiser_required()
def export_tents(slug: str, meeting_id: int):
    meeting = _meeting(meeting_id)
    return download(pdf.tents_pdf(meeting, breakouts.plan(meeting)), "application/pdf",
                    f"meeting-{meeting.id}-table-tents.pdf")


@bp.get("/<int:meeting_id>/export/signin.<fmt>")
@organiser_required()
def export_signin(slug: str, meeting_id: int, fmt: str):
    meeting = _meeting(meeting_id)
    name = f"meeting-{meeting.id}-signin"
    response = _spreadsheet(fmt, "meeting-signin", meeting, {}, exports.row_count(meeting, people=True), name,
                            (exports.SIGNIN_HEADERS, exports.SIGNIN_TITLE), lambda: exports.signin_export(meeting))
    if response is not None:
        return response
    if fmt == "pdf":
        return download(pdf.signin_pdf(meeting, exports.signin_export(meeting)), "application/pdf", f"{name}.pdf")
    raise Invalid("Unknown export format.")


@bp.app_template_filter("seoul")
def _seoul(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored naive-UTC datetime shown in the local zone."""
    return to_local(value).strftime(fmt) if value else ""
