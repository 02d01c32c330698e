"""Operations on member groups: the one place where organisation data changes.

API (web-agnostic: plain data in, ``civicnet.errors`` domain errors out, ``flush`` never
``commit`` — the request or CLI command commits): ``register_organisation(network, data, *,
goals, suggestions=None, consent_version, consent_text=None, actor_kind="group")`` cleans the
fields (see ``validation.clean_organisation``: name, kind, representative, email/phone, district,
size, website, activities, language, public_listing), refuses duplicates by returning the
existing group (``RegistrationResult(organisation, created=False, edit_token=None)``), also when
two submissions race, and otherwise returns ``created=True`` with the private edit token (shown
once; only its SHA-256 is stored). ``suggestions`` maps SDG number → classifier score for the
goals that were pre-ticked; goal links record whether each SDG was chosen, suggested and kept,
or set by an organiser. ``update_organisation``, ``set_goals``, ``set_cluster``, ``approve``,
``withdraw`` and ``erase_personal_data`` change a group and write an ``OrganisationChange``;
``organisation_by_edit_token``, ``issue_edit_token`` and ``revoke_edit_tokens`` manage the
private link; ``get_organisation(network, id)``, ``find_existing``, ``list_organisations(network,
filters, page=, per_page=)`` and ``filtered_select`` read, always inside one network.
``actor_kind`` is a ``history.ActorKind``; ``history.record_change`` writes the history entry
(other domains record their changes to a group there too).

This domain does not import the domains built on it (pledges, meetings, notices, matching). They
hook in: ``organisation_withdrawn`` and ``personal_data_erased`` are sent inside the caller's
transaction, after this domain's own rows changed and were flushed, and each receiver changes
only its own tables (pledges withdraws the group's pledges / blanks their signer names, meetings
and notices drop what they hold); the request or CLI command then commits everything at once,
or nothing. ``filter_hooks`` let a domain add list filters over its own tables (``pledged``).
Personal-data consents (PIPA): ``register_organisation`` takes ``choices`` (``consent.ConsentChoices``:
the optional website/listing/Telegram consents, age band and under-14 guardian) and stores one
timestamp per consent; ``set_optional_consents`` gives or withdraws them later (withdrawing Telegram
sends ``telegram_consent_withdrawn``: the notices domain drops the chat link).
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from blinker import Namespace
from sqlalchemy.orm.attributes import set_committed_value

from ..data_versions import cached
from ..db_session import attach_written, dialect_insert, insert_persistent
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..networks.models import Cluster, Network
from ..timeutil import utcnow
from ..tokens import new_token, token_digest
from . import validation
from .consent import ConsentChoices
from .history import ActorKind, record_change, write_changes
from .models import (
    AgeBand,
    EditToken,
    GoalSource,
    Organisation,
    OrganisationChange,
    OrganisationGoal,
    OrganisationStatus,
)

# Other domains (meetings, notices, bot) connect here to delete what they hold about a group.
signals = Namespace()
personal_data_erased = signals.signal("personal-data-erased")
# Sent when a group withdraws (or is withdrawn): domains built on this one end what they hold.
organisation_withdrawn = signals.signal("organisation-withdrawn")
# Sent when an organiser sets a group's SDGs or cluster: a trusted label the matching domain learns from.
organiser_confirmed = signals.signal("organiser-confirmed")
# Sent when a group withdraws its consent to Telegram notices: the notices domain drops the chat link.
telegram_consent_withdrawn = signals.signal("telegram-consent-withdrawn")

PERSONAL_FIELDS = {"name", "representative", "email", "phone", "website", "guardian_name"}
# (select, network, filters) -> select: filters over other domains' tables, registered at start-up.
filter_hooks: list[Callable[[sa.Select, Network, OrganisationFilters], sa.Select]] = []


@dataclass
class RegistrationResult:
    organisation: Organisation
    created: bool
    edit_token: str | None = None


@dataclass
class OrganisationFilters:
    q: str = ""
    status: str | None = None
    kind: str | None = None
    goal: int | None = None
    cluster: str | None = None      # cluster key, or "none" for groups without a cluster
    pledged: bool | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> OrganisationFilters:
        """Build filters from query-string-like data, ignoring what does not parse."""
        def text(key: str) -> str | None:
            value = str(data.get(key) or "").strip()
            return value or None

        goal = text("goal")
        pledged = text("pledged")
        return cls(
            q=(text("q") or "")[:200],
            status=text("status") if text("status") in {s.value for s in OrganisationStatus} else None,
            kind=text("kind"),
            goal=int(goal) if goal and goal.isdigit() and 1 <= int(goal) <= 17 else None,
            cluster=text("cluster"),
            pledged={"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(
                (pledged or "").lower()),
        )


@dataclass
class Page:
    items: list[Organisation]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


# --- reading -------------------------------------------------------------------------------

def get_organisation(network: Network, organisation_id: int) -> Organisation:
    org = db.session.get(Organisation, organisation_id)
    if org is None or org.network_id != network.id:
        raise NotFound("There is no such group in this network.")
    return org


def find_existing(network: Network, name: str, email: str | None, phone: str | None) -> Organisation | None:
    """The group with the same normalised name and the same e-mail or phone, if any."""
    if not (email or phone):
        return None
    params = _lookup_params(network.id, validation.name_key(name), email, phone)
    # Only the id: a registration mostly finds none, and then needs no ORM row loaded.
    found = db.session.scalar(_FIND_EXISTING, params)
    return None if found is None else db.session.get(Organisation, found)


def _lookup_params(network_id: int, name_key: str, email: str | None, phone: str | None) -> dict:
    """The parameters of ``_same_group`` (a missing e-mail or phone is NULL, which equals nothing)."""
    return {"network_id": network_id, "name_key": name_key,
            "email_key": email.lower() if email else None, "phone_key": phone.lower() if phone else None,
            "lookup_email": email or None, "lookup_phone": phone or None}


def _same_group() -> sa.ColumnElement[bool]:
    """The duplicate rule, on ``_lookup_params``: same network, same name key, and the same
    contact key, e-mail or phone."""
    return sa.and_(
        Organisation.network_id == sa.bindparam("network_id"), Organisation.name_key == sa.bindparam("name_key"),
        sa.or_(Organisation.contact_key.in_([sa.bindparam("email_key"), sa.bindparam("phone_key")]),
               Organisation.email == sa.bindparam("lookup_email"), Organisation.phone == sa.bindparam("lookup_phone")))


# The same statement every time.
_FIND_EXISTING = sa.select(Organisation.id).where(_same_group()).order_by(Organisation.id).limit(1)


def filtered_select(network: Network, filters: OrganisationFilters | None = None) -> sa.Select:
    """A SELECT of the network's groups matching ``filters`` (newest first)."""
    f = filters or OrganisationFilters()
    stmt = sa.select(Organisation).where(Organisation.network_id == network.id)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(sa.or_(*[col.ilike(like, escape="\\") for col in (
            Organisation.name, Organisation.representative, Organisation.activities,
            Organisation.district, Organisation.email, Organisation.phone)]))
    if f.status:
        stmt = stmt.where(Organisation.status == f.status)
    if f.kind:
        stmt = stmt.where(Organisation.kind == f.kind)
    if f.goal:
        stmt = stmt.where(sa.exists().where(
            OrganisationGoal.organisation_id == Organisation.id, OrganisationGoal.goal_number == f.goal,
            OrganisationGoal.selected.is_(True)))
    if f.cluster == "none":
        stmt = stmt.where(Organisation.cluster_id.is_(None))
    elif f.cluster:
        stmt = stmt.join(Cluster, Cluster.id == Organisation.cluster_id).where(Cluster.key == f.cluster)
    for hook in filter_hooks:
        stmt = hook(stmt, network, f)
    return stmt.order_by(Organisation.created_at.desc(), Organisation.id.desc())


def list_organisations(network: Network, filters: OrganisationFilters | None = None, *,
                       page: int = 1, per_page: int = 50) -> Page:
    f = filters or OrganisationFilters()
    stmt = filtered_select(network, f)

    def count() -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0

    # Without a search text the total is kept under the network's data version (the filters read
    # groups, goal links, clusters and pledges, all of which replace it when they change; the
    # ``pledged`` filter reads the current edition, which is part of the key).
    key = ("organisations", f.status, f.kind, f.goal, f.cluster, f.pledged, network.current_edition)
    total = count() if f.q else cached(network.id, key, count)
    page = max(1, page)
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total or 0, page=page, per_page=per_page)


def history(org: Organisation) -> list[OrganisationChange]:
    return list(db.session.scalars(org.changes.select()))


# --- edit links ----------------------------------------------------------------------------

def issue_edit_token(org: Organisation, *, revoke_existing: bool = True, actor_kind: str = "system",
                     actor_user_id: int | None = None) -> str:
    """A new private edit token (returned once); older ones are revoked unless asked not to."""
    _require_not_erased(org)
    if revoke_existing:
        _revoke(org)
    token = _insert_edit_token(org)
    record_change(org, "edit_link_issued", actor_kind, actor_user_id)
    db.session.flush()
    return token


def _insert_edit_token(org: Organisation) -> str:
    """Store a new token's digest (one INSERT, no ORM object: nothing reads it back) and return the token."""
    token = new_token(32)
    db.session.execute(sa.insert(EditToken.__table__),
                       {"organisation_id": org.id, "token_hash": token_digest(token), "created_at": utcnow()})
    return token


def _revoke(org: Organisation) -> int:
    result = db.session.execute(
        sa.update(EditToken).where(EditToken.organisation_id == org.id, EditToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    return result.rowcount or 0


def revoke_edit_tokens(org: Organisation, *, actor_kind: str = "organiser", actor_user_id: int | None = None) -> int:
    count = _revoke(org)
    record_change(org, "edit_link_revoked", actor_kind, actor_user_id)
    db.session.flush()
    return count


def organisation_by_edit_token(token: str | None) -> Organisation:
    """The group whose live edit token this is; ``NotFound`` for unknown or revoked tokens."""
    if not token or len(token) > 100:
        raise NotFound("This edit link is not valid. It may have been replaced; ask the organisers for a new one.")
    row = db.session.scalar(sa.select(EditToken).where(EditToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None:
        raise NotFound("This edit link is not valid. It may have been replaced; ask the organisers for a new one.")
    row.last_used_at = utcnow()
    return row.organisation


# --- changes -------------------------------------------------------------------------------

def _apply_goals(org: Organisation, goals: list[int], suggestions: Mapping[int, float] | None,
                 source: str) -> None:
    existing = {link.goal_number: link for link in org.goal_links}
    suggestions = {int(k): float(v) for k, v in (suggestions or {}).items() if 1 <= int(k) <= 17}
    for number, score in suggestions.items():
        link = existing.get(number)
        if link is None:
            link = OrganisationGoal(goal_number=number, source=GoalSource.SUGGESTED, selected=False)
            org.goal_links.append(link)
            existing[number] = link
        link.suggested, link.suggested_score = True, score
    for number, link in list(existing.items()):
        if number not in goals:
            if link.suggested:
                link.selected, link.rank = False, 0
            else:
                org.goal_links.remove(link)
    for rank, number in enumerate(goals):
        link = existing.get(number)
        if link is None:
            org.goal_links.append(OrganisationGoal(goal_number=number, source=source, selected=True, rank=rank))
            continue
        if not link.selected or source == GoalSource.ORGANISER:
            link.source = _ticked_source(source, kept_suggestion=link.suggested and number in suggestions)
        link.selected, link.rank = True, rank


def _ticked_source(source: str, *, kept_suggestion: bool) -> str:
    """Who a ticked goal is from: a suggestion left ticked keeps its source; anything a person
    (re)ticks is theirs."""
    return GoalSource.SUGGESTED if source == GoalSource.CHOSEN and kept_suggestion else source


def register_organisation(network: Network, data: Mapping[str, object], *, goals: Iterable[int],
                          suggestions: Mapping[int, float] | None = None, consent_version: str,
                          consent_text: str | None = None, actor_kind: str = "group",
                          actor_user_id: int | None = None, require_goals: bool = False,
                          choices: ConsentChoices | None = None) -> RegistrationResult:
    """Register a group in ``network`` or find the one already registered (see module doc).

    ``choices``: the optional consents and, for individuals, the age band and guardian (see
    ``_consent_fields``). Without it (API, import), the website and listing given in ``data``
    count as consented by the caller that collected them.
    """
    clean = validation.clean_organisation(data)
    numbers = validation.clean_goals(goals, required=require_goals)
    if not str(consent_version or "").strip():
        raise Invalid("Please agree to the use of your personal data to register.", field="consent")
    consents = _consent_fields(clean, choices)
    identity = {"network_id": network.id, "name_key": validation.name_key(clean["name"]),
                "contact_key": validation.contact_key(clean.get("email"), clean.get("phone"))}
    org = _insert_unless_registered(dict(
        identity, status=OrganisationStatus.REGISTERED, consent_version=str(consent_version)[:32],
        consent_text=consent_text, consented_at=utcnow(), **clean, **consents),
        _lookup_params(network.id, identity["name_key"], clean.get("email"), clean.get("phone")))
    if org is None:  # registered before (the look-up), or by a concurrent submission (the constraint)
        existing = (find_existing(network, clean["name"], clean.get("email"), clean.get("phone"))
                    or db.session.scalar(sa.select(Organisation).filter_by(**identity)))
        return RegistrationResult(existing, created=False)
    links = _new_goal_links(org, numbers, suggestions, GoalSource.CHOSEN)
    insert_persistent(links, network_id=network.id)
    set_committed_value(org, "goal_links", links)
    token = _insert_edit_token(org)  # the group is new: no older token to revoke
    write_changes(org, actor_kind, actor_user_id, [
        ("registered", {"goals": numbers, "suggested": sorted(int(k) for k in (suggestions or {})),
                        "consent_version": org.consent_version}),
        ("edit_link_issued", {})])
    return RegistrationResult(org, created=True, edit_token=token)


def _insert_unless_registered(values: dict, lookup: dict) -> Organisation | None:
    """INSERT the group, or nothing when it is already registered: the look-up of ``find_existing``
    (``lookup``: ``_lookup_params``) and the identity constraint (network, name, contact) in one
    statement, ``INSERT … SELECT … WHERE NOT EXISTS (…) ON CONFLICT DO NOTHING``.

    The look-up is the ``WHERE`` (one round trip fewer than a SELECT first: this is the hot path of
    the API); ``ON CONFLICT DO NOTHING`` settles a race that passes it, where a savepoint around a
    plain INSERT would cost two more round trips. The row comes back whole (RETURNING every column,
    defaults included) and becomes the session's persistent ``Organisation``, with no goal links yet.
    """
    dialect = db.session.get_bind().dialect.name
    row = db.session.execute(_identity_insert(dialect, tuple(values)), values | lookup,
                             execution_options={"network_id": values["network_id"]}).one_or_none()
    if row is None:
        return None
    org = Organisation(**row._mapping)
    set_committed_value(org, "goal_links", [])  # it is new: no query to learn it has no goals yet
    attach_written(org)
    return org


@functools.cache
def _identity_insert(dialect: str, columns: tuple[str, ...], *, precheck: bool = True) -> sa.Insert:
    """The statement of ``_insert_unless_registered`` for these columns, built once (its values come
    as parameters). ``precheck=False`` leaves the constraint alone to refuse a duplicate (tests)."""
    table = Organisation.__table__
    row = sa.select(*[sa.bindparam(name, type_=table.c[name].type) for name in columns])
    if precheck:
        row = row.where(~sa.exists().where(_same_group()))
    else:
        row = row.where(sa.true())  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT
    return (dialect_insert(dialect, table).from_select(list(columns), row)
            .on_conflict_do_nothing(index_elements=["network_id", "name_key", "contact_key"])
            .returning(*table.columns))


def _new_goal_links(org: Organisation, goals: list[int], suggestions: Mapping[int, float] | None,
                    source: str) -> list[OrganisationGoal]:
    """The goal links ``_apply_goals`` would give a group that has none yet, every column set (for
    ``insert_persistent``), in the order the relationship loads them."""
    now = utcnow()
    links: dict[int, OrganisationGoal] = {}
    for number, score in ((int(k), float(v)) for k, v in (suggestions or {}).items()):
        if 1 <= number <= 17:
            links[number] = OrganisationGoal(
                organisation_id=org.id, goal_number=number, source=GoalSource.SUGGESTED, selected=False, rank=0,
                suggested=True, suggested_score=score, updated_at=now)
    for rank, number in enumerate(goals):
        link = links.get(number)
        if link is None:
            links[number] = OrganisationGoal(organisation_id=org.id, goal_number=number, source=source,
                                             selected=True, rank=rank, suggested=False, suggested_score=None,
                                             updated_at=now)
        else:
            link.source = _ticked_source(source, kept_suggestion=True)
            link.selected, link.rank = True, rank
    for link in links.values():
        set_committed_value(link, "organisation", org)
    return [links[number] for number in sorted(links)]


def _consent_fields(clean: dict, choices: ConsentChoices | None) -> dict:
    """The per-item consent timestamps, age band and guardian; drops items not consented to.

    Under-14 individuals need a guardian's name and consent (PIPA art. 22-2); ``Invalid`` otherwise.
    """
    now = utcnow()
    if choices is None:
        return {"website_consented_at": now if clean.get("website") else None,
                "listing_consented_at": now if clean.get("public_listing") else None}
    if not choices.website:
        clean["website"] = None
    clean["public_listing"] = choices.listing
    fields = {"website_consented_at": now if clean.get("website") else None,
              "listing_consented_at": now if choices.listing else None,
              "telegram_consented_at": now if choices.telegram else None}
    if clean["kind"] != "individual":
        return fields
    if choices.age_band not in {band.value for band in AgeBand}:
        raise Invalid("Please tell us whether you are under 14.", field="age_band")
    fields["age_band"] = choices.age_band
    if choices.age_band == AgeBand.UNDER_14:
        guardian = validation.clean_text(choices.guardian_name, "guardian_name", required=True)
        if not choices.guardian:
            raise Invalid("Under 14, a parent or legal guardian must agree as well.", field="guardian")
        fields |= {"guardian_name": guardian, "guardian_consented_at": now}
    return fields


def set_optional_consents(org: Organisation, *, listing: bool, telegram: bool, actor_kind: str = "group",
                          actor_user_id: int | None = None) -> list[str]:
    """Give or withdraw the optional consents after registration; returns the items that changed.

    Withdrawing the listing takes the group off the public directory at once; withdrawing
    Telegram sends ``telegram_consent_withdrawn`` (the notices domain deletes the chat link and the
    bot's data about it).
    """
    _require_not_erased(org)
    now, changed = utcnow(), []
    if listing != (org.listing_consented_at is not None):
        org.listing_consented_at, org.public_listing = (now if listing else None), listing
        changed.append("listing")
    if telegram != (org.telegram_consented_at is not None):
        org.telegram_consented_at = now if telegram else None
        if not telegram:
            db.session.flush()
            telegram_consent_withdrawn.send(org, organisation_id=org.id)
        changed.append("telegram")
    if changed:
        record_change(org, "consents_changed", actor_kind, actor_user_id,
                      given=[i for i in changed if getattr(org, f"{i}_consented_at")],
                      withdrawn=[i for i in changed if not getattr(org, f"{i}_consented_at")])
        db.session.flush()
    return changed


class StaleDetails(Conflict):
    """The details were changed since the page that sent this change was served."""


def details_version(org: Organisation) -> str:
    """A short fingerprint of the group's editable details, carried by the edit form."""
    values = json.dumps([getattr(org, name) for name in validation.DETAIL_FIELDS], ensure_ascii=False, default=str)
    return hashlib.sha256(values.encode()).hexdigest()[:24]


def update_organisation(org: Organisation, data: Mapping[str, object], *, actor_kind: str,
                        actor_user_id: int | None = None, seen: str | None = None) -> list[str]:
    """Change the given fields; returns the names of the fields that changed.

    ``seen``: the ``details_version`` the form was built from. The group's row is then read again
    under a row lock (a second writer, on any instance, waits here for the first to commit) and a
    different version raises ``StaleDetails``: a page served before someone else's change would
    otherwise write the old values back over it, losing that update without a word.
    """
    _require_not_erased(org)
    if seen is not None:
        db.session.refresh(org, with_for_update=True)
        if seen != details_version(org):
            raise StaleDetails("These details were changed elsewhere after this page was opened. The page now shows "
                               "them as they are; please make your change again.")
    clean = validation.clean_organisation(data, partial=True)
    email = clean.get("email", org.email)
    phone = clean.get("phone", org.phone)
    if not (email or phone):
        raise Invalid("Please give an e-mail address or a phone number so we can reach you.", field="email")
    changed = [k for k, v in clean.items() if getattr(org, k) != v]
    if not changed:
        return []
    new_name_key = validation.name_key(clean.get("name", org.name))
    new_contact_key = validation.contact_key(email, phone)
    if (new_name_key, new_contact_key) != (org.name_key, org.contact_key):
        clash = db.session.scalar(sa.select(Organisation.id).where(
            Organisation.network_id == org.network_id, Organisation.name_key == new_name_key,
            Organisation.contact_key == new_contact_key, Organisation.id != org.id))
        if clash:
            raise Conflict("Another group with this name and contact is already registered.", field="name")
    for key in changed:
        setattr(org, key, clean[key])
    if "website" in changed:
        # Typed by the group under the edit page's notice: giving an address is its consent.
        org.website_consented_at = utcnow() if org.website else None
    if "public_listing" in changed:
        org.listing_consented_at = utcnow() if org.public_listing else None
    org.name_key, org.contact_key = new_name_key, new_contact_key
    # History keeps values of public fields only; personal ones are named, not copied.
    record_change(org, "updated", actor_kind, actor_user_id, fields=changed,
            values={k: clean[k] for k in changed if k not in PERSONAL_FIELDS and k != "activities"})
    db.session.flush()
    return changed


def set_goals(org: Organisation, goals: Iterable[int], *, actor_kind: str, actor_user_id: int | None = None,
              suggestions: Mapping[int, float] | None = None) -> list[int]:
    """Replace the group's SDGs (organisers' choices are marked source=organiser)."""
    _require_not_erased(org)
    numbers = validation.clean_goals(goals, required=actor_kind != "organiser")
    before = org.goal_numbers
    source = GoalSource.ORGANISER if actor_kind == ActorKind.ORGANISER else GoalSource.CHOSEN
    _apply_goals(org, numbers, suggestions, source)
    db.session.flush()
    if before != org.goal_numbers or suggestions:
        record_change(org, "goals_set", actor_kind, actor_user_id, before=before, after=org.goal_numbers)
    if actor_kind == ActorKind.ORGANISER:
        organiser_confirmed.send(org)
    return org.goal_numbers


def set_cluster(org: Organisation, cluster: Cluster | str | None, *, actor_kind: str,
                actor_user_id: int | None = None, source: str | None = None) -> Cluster | None:
    """Put the group in one of its network's clusters (by object or key), or in none."""
    if isinstance(cluster, str):
        key = cluster
        cluster = next((c for c in org.network.clusters if c.key == key), None)
        if cluster is None:
            raise Invalid("There is no cluster '%(key)s' in this network.", field="cluster", key=key)
    if cluster is not None and cluster.network_id != org.network_id:
        raise Invalid("There is no cluster '%(key)s' in this network.", field="cluster", key=cluster.key)
    before = org.cluster.key if org.cluster else None
    org.cluster = cluster
    org.cluster_source = (source or ("organiser" if actor_kind == ActorKind.ORGANISER else "chosen")) if cluster else None
    record_change(org, "cluster_set", actor_kind, actor_user_id, before=before, after=cluster.key if cluster else None)
    db.session.flush()
    if actor_kind == ActorKind.ORGANISER:
        organiser_confirmed.send(org)
    return cluster


def approve(org: Organisation, *, actor_user_id: int | None = None, actor_kind: str = "organiser") -> None:
    if org.status == OrganisationStatus.WITHDRAWN:
        raise Conflict("A withdrawn group cannot be approved; it can register again.")
    if org.status != OrganisationStatus.APPROVED:
        org.status = OrganisationStatus.APPROVED
        record_change(org, "approved", actor_kind, actor_user_id)
        db.session.flush()


def withdraw(org: Organisation, *, actor_kind: str, actor_user_id: int | None = None, reason: str = "") -> None:
    """Mark the group withdrawn; receivers of ``organisation_withdrawn`` end what they hold."""
    if org.status == OrganisationStatus.WITHDRAWN:
        return
    reason = validation.clean_text(reason, "reason", max_length=500, multiline=True)
    org.status = OrganisationStatus.WITHDRAWN
    org.withdrawn_at = utcnow()
    db.session.flush()
    organisation_withdrawn.send(org, actor_kind=actor_kind, actor_user_id=actor_user_id)
    record_change(org, "withdrawn", actor_kind, actor_user_id, reason=reason)
    db.session.flush()


def _require_not_erased(org: Organisation) -> None:
    if org.is_erased:
        raise Conflict("This group's personal data was deleted; it can no longer be changed.")


def erase_personal_data(org: Organisation, *, actor_kind: str, actor_user_id: int | None = None) -> None:
    """Delete the group's personal data on request (PIPA) and withdraw it.

    What stays is anonymous: kind, district, SDGs, cluster and dated history without values,
    so the network's yearly statistics remain true. Receivers of ``personal_data_erased`` blank
    what their own tables hold (pledge signer names, attendee names, chat links).
    """
    withdraw(org, actor_kind=actor_kind, actor_user_id=actor_user_id)
    org.name = f"#{org.id}"
    org.name_key = org.contact_key = f"erased:{org.id}"
    org.representative, org.email, org.phone, org.website = "", None, None, None
    org.activities, org.consent_text, org.public_listing = "", None, False
    org.guardian_name = None
    org.website_consented_at = org.listing_consented_at = org.telegram_consented_at = None
    _revoke(org)
    db.session.execute(sa.update(OrganisationChange).where(OrganisationChange.organisation_id == org.id)
                       .values(details={}))
    record_change(org, "personal_data_erased", actor_kind, actor_user_id)
    db.session.flush()
    personal_data_erased.send(org, organisation_id=org.id)
