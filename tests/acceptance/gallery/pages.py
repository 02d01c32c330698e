"""Every GET endpoint of the app, turned into the gallery's pages, documents and API answers.

The list is built by walking ``app.url_map``: an endpoint that is neither listed here as a page,
a document or an API answer, nor named in ``NOT_SHOWN`` with the reason, fails the gallery, so
a new page cannot be forgotten.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from civicnet.meetings.services import checkin_code

from .seed import Seeded

# Endpoints that are not something a person looks at.
NOT_SHOWN = {
    "static": "style sheet files",
    "dashboard.static": "style sheet files",
    "meetings_public.static": "style sheet and script files",
    "web.health": "load-balancer probe",
    "meetings.checkin_stats": "JSON polled by the check-in page's script (shown inside that page)",
    "api_matching.Classify": "POST only",
    "privacy.data_json": "the group's data as a JSON download (its readable page, privacy.data_page, is shown)",
    "meetings_public.registration_calendar": "a calendar file (.ics) for the registration, not a page",
    "meetings.checkin_registration": "the check-in a name tag's QR opens; the same confirmation as checkin_code",
    "downloads.status": "JSON polled by the prepared export's page (shown inside that page)",
}


@dataclass(frozen=True)
class Page:
    name: str          # file name stem in the gallery
    endpoint: str
    path: str
    who: str           # "public" (no login, or a private link) or "organiser"
    title: str         # what the index calls it


@dataclass(frozen=True)
class Document:
    name: str
    endpoint: str
    path: str
    kind: str          # pdf | xlsx | csv
    title: str


@dataclass(frozen=True)
class ApiAnswer:
    name: str
    endpoint: str
    path: str
    auth: bool
    title: str


def _page_values(s: Seeded) -> dict[str, list[tuple[str, dict, dict, str, str]]]:
    """endpoint -> [(name, url values, query, who, title)]."""
    slug = s.network.slug
    net = {"slug": slug}
    ceremony = {"slug": slug, "meeting_id": s.ceremony_id}
    upcoming = {"slug": slug, "meeting_id": s.upcoming_id}
    return {
        "web.home": [("home", {}, {}, "public", "Start page")],
        "accounts.login": [("login", {}, {}, "public", "Organiser log-in")],
        "accounts.networks": [("organiser-networks", {}, {}, "organiser", "Organiser: my networks")],
        "accounts.password": [("organiser-password", {}, {}, "organiser", "Organiser: change password")],
        "accounts.sessions": [("organiser-sessions", {}, {}, "organiser", "Organiser: signed-in sessions")],
        "admin.accounts": [("admin-accounts", net, {}, "organiser", "Admin: organiser accounts")],
        "admin.audit": [("admin-audit", net, {}, "organiser", "Admin: audit log")],
        "admin.tokens": [("admin-tokens", net, {}, "organiser", "Admin: API tokens")],
        "directory.network_page": [("network-page", net, {}, "public", "Public network page and directory")],
        "meetings_public.actions": [("joint-actions", net, {}, "public", "Public joint actions")],
        "organisations.register": [("register-1-details", net, {}, "public", "Registration step 1: details")],
        "organisations.registered": [("register-done-empty", net, {}, "public",
                                      "Registration done page opened directly")],
        "edit.show": [("group-edit", {}, {"t": s.edit_token}, "public", "Group's private edit page")],
        "meetings_public.group_meetings": [("group-meetings", {}, {"t": s.edit_token}, "public",
                                            "Group's meeting list (edit link)")],
        "meetings_public.group_register": [
            ("group-meeting-register", {"meeting_id": s.upcoming_id}, {"t": s.edit_token}, "public",
             "Group's meeting registration (already registered)")],
        "meetings_public.registration": [
            ("registration-private", {}, {"t": s.registration_token}, "public",
             "Private registration page with QR code"),
            ("registration-waiting", {}, {"t": s.waiting_token}, "public", "Private page on the waiting list")],
        "organisers.home": [("organiser-home", net, {}, "organiser", "Organiser home")],
        "organisers.index": [
            ("organisations", net, {}, "organiser", "Groups list"),
            ("organisations-filtered", net, {"q": "마을", "status": "registered"}, "organiser",
             "Groups list, searched and filtered")],
        "organisers.detail": [("organisation-detail", {**net, "org_id": s.group_id}, {}, "organiser",
                               "Group detail with history")],
        "partners.organisation_partners": [("partners", {**net, "org_id": s.group_id}, {}, "organiser",
                                            "Partner suggestions")],
        "dashboard.index": [
            ("dashboard", net, {}, "organiser", "Dashboard (default year)"),
            ("dashboard-all-years", net, {"year": "all"}, "organiser", "Dashboard, all years"),
            ("dashboard-2023", net, {"year": "2023"}, "organiser", "Dashboard, 2023 (few groups)")],
        "reports.index": [
            ("report", net, {}, "organiser", "Yearly report"),
            ("report-2023", net, {"year": "2023"}, "organiser", "Yearly report 2023")],
        "meetings.index": [("meetings", net, {}, "organiser", "Meetings")],
        "meetings.new": [("meeting-new", net, {}, "organiser", "New meeting form")],
        "meetings.show": [
            ("meeting-ceremony", ceremony, {}, "organiser", "Ceremony: registrations and check-ins"),
            ("meeting-upcoming", upcoming, {}, "organiser", "Upcoming meeting with waiting list")],
        "meetings.edit": [("meeting-edit", ceremony, {}, "organiser", "Edit meeting")],
        "meetings.breakout_page": [("breakouts", ceremony, {}, "organiser", "Breakout tables")],
        "meetings.checkin": [
            ("checkin", ceremony, {}, "organiser", "Check-in desk"),
            ("checkin-search", ceremony, {"q": "마을"}, "organiser", "Check-in desk, searched")],
        "meetings.checkin_code": [
            ("checkin-code", upcoming, {"c": checkin_code(s.registration_token)}, "organiser",
             "QR code scanned at the desk")],
        "meetings.joint_action": [("joint-action", {**ceremony, "table_id": s.table_id}, {}, "organiser",
                                   "A table's joint action")],
        "notices.index": [("notices", net, {}, "organiser", "Notices")],
        "notices.new": [("notice-new", net, {}, "organiser", "New notice")],
        "notices.status": [("notice-status", {**net, "notice_id": s.notice_id}, {}, "organiser",
                            "Who got a notice")],
        "notices.telegram": [("telegram", net, {}, "organiser", "Telegram links")],
        "privacy.data_page": [("group-data", {}, {"t": s.edit_token}, "public", "Group's own data (edit link)")],
        "networks.show": [("network-editions", net, {}, "organiser", "Editions: the current year, open the next")],
        "networks.settings": [("network-settings", net, {}, "organiser", "Network settings: retention, purges")],
        "organisers.suggestions": [("suggestions", net, {}, "organiser", "SDG suggestions to accept in bulk")],
        "downloads.show": [
            ("export-building", {**net, "export_id": s.export_building_id}, {}, "organiser",
             "A long export being built by the worker (progress bar)"),
            ("export-ready", {**net, "export_id": s.export_ready_id}, {}, "organiser",
             "A long export ready to download")],
    }


def _documents(s: Seeded) -> dict[str, list[tuple[str, dict, str, str]]]:
    slug = s.network.slug
    ceremony = {"slug": slug, "meeting_id": s.ceremony_id}
    out: dict[str, list[tuple[str, dict, str, str]]] = {
        "organisers.export_csv": [("organisations-csv", {"slug": slug}, "csv", "Groups export (CSV)")],
        "organisers.export_xlsx": [("organisations-xlsx", {"slug": slug}, "xlsx", "Groups export (XLSX)")],
        "meetings.export_signin": [], "meetings.export_tables": [],
        "meetings.export_nametags": [("nametags", ceremony, "pdf", "Name tags (A4 labels)")],
        "meetings.export_tents": [("tents", ceremony, "pdf", "Table tent cards")],
        "reports.csv": [], "reports.pdf": [], "reports.xlsx": [],
        "downloads.fetch": [("organisations-prepared-xlsx", {"slug": slug, "export_id": s.export_ready_id}, "xlsx",
                             "Groups export built by the worker (XLSX)")],
    }
    for fmt in ("pdf", "xlsx", "csv"):
        out["meetings.export_signin"].append((f"signin-{fmt}", {**ceremony, "fmt": fmt}, fmt, f"Sign-in sheet ({fmt})"))
        out["meetings.export_tables"].append((f"tables-{fmt}", {**ceremony, "fmt": fmt}, fmt, f"Breakout tables ({fmt})"))
        out[f"reports.{fmt}"].append((f"report-2024-{fmt}", {"slug": slug, "year": 2024}, fmt, f"Yearly report 2024 ({fmt})"))
    return out


def _api(s: Seeded) -> dict[str, list[tuple[str, dict, bool, str]]]:
    slug = s.network.slug
    return {
        "api-docs.openapi_json": [("api-openapi", {}, False, "OpenAPI document")],
        "api_goals.Goals": [("api-goals", {}, False, "API: goals")],
        "api_goals.GoalItem": [("api-goal-13", {"number": 13}, False, "API: one goal")],
        "api_networks.Networks": [("api-networks", {}, False, "API: networks")],
        "api_networks.NetworkItem": [("api-network", {"slug": slug}, False, "API: one network")],
        "api_networks.Clusters": [("api-clusters", {"slug": slug}, False, "API: clusters")],
        "api_organisations.Organisations": [("api-organisations", {"slug": slug}, True, "API: groups (token)")],
        "api_organisations.OrganisationItem": [("api-organisation", {"slug": slug, "org_id": s.group_id}, True,
                                                "API: one group (token)")],
        "api_organisations.Pledges": [("api-pledges", {"slug": slug}, True, "API: pledges (token)")],
    }


def walk(app, seeded: Seeded) -> tuple[list[Page], list[Document], list[ApiAnswer], list[str]]:
    """The gallery's pages, documents and API answers, and the GET endpoints nobody listed."""
    adapter = app.url_map.bind("localhost")
    values, docs, api = _page_values(seeded), _documents(seeded), _api(seeded)
    pages: list[Page] = []
    documents: list[Document] = []
    answers: list[ApiAnswer] = []
    missing: list[str] = []
    seen: set[str] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint in seen:
            continue
        seen.add(rule.endpoint)
        if rule.endpoint in NOT_SHOWN:
            continue
        if rule.endpoint in values:
            for name, url_values, query, who, title in values[rule.endpoint]:
                path = adapter.build(rule.endpoint, url_values)
                pages.append(Page(name, rule.endpoint, path + ("?" + urlencode(query) if query else ""), who, title))
        elif rule.endpoint in docs:
            for name, url_values, kind, title in docs[rule.endpoint]:
                documents.append(Document(name, rule.endpoint, adapter.build(rule.endpoint, url_values), kind, title))
        elif rule.endpoint in api:
            for name, url_values, auth, title in api[rule.endpoint]:
                answers.append(ApiAnswer(name, rule.endpoint, adapter.build(rule.endpoint, url_values), auth, title))
        else:
            missing.append(f"{rule.endpoint} ({rule.rule})")
    return pages, documents, answers, missing
