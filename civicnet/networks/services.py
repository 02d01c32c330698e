"""Creating networks from a definition, looking them up, and their yearly cycle (editions).

Editions: ``Network.current_edition`` is the edition organisers opened last with
``open_edition``, or the current local calendar year while none was opened (a fresh install is
never stuck on an old year, and a council that opened next year's cycle early stays on it).
``open_edition(network, edition, *, user_id)`` moves the network to a later edition, keeps an
audit row (``NetworkEdition``) and sends ``edition_opened`` (the pledges domain invites the
previous edition's groups to renew); ``proposed_edition`` and ``edition_history`` read.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import sqlalchemy as sa
import yaml
from blinker import Namespace
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from ..db_session import savepoint
from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..goals.models import Goal
from ..goals.services import load_goals
from ..timeutil import local_today, utcnow
from .models import Cluster, Network, NetworkEdition

signals = Namespace()
# Sent after an organiser opened a new edition: ``sender`` is the network, ``opening`` the audit row.
edition_opened = signals.signal("edition-opened")

DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_REQUIRED = ("slug", "name_ko", "city")
MIN_EDITION, MAX_EDITION = 2000, 2999


def read_definition(path: str | Path) -> dict:
    """Read a network definition from YAML or JSON (JSON is valid YAML)."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise Invalid("Could not read the network definition: %(reason)s", reason=str(exc)) from exc
    if not isinstance(data, dict):
        raise Invalid("A network definition must be a mapping with slug, names and clusters.")
    return data


def _validate(definition: dict) -> None:
    for field in _REQUIRED:
        if not str(definition.get(field) or "").strip():
            raise Invalid("The network definition lacks '%(field)s'.", field=field)
    if not SLUG_RE.match(str(definition["slug"])):
        raise Invalid("A network slug uses lower-case letters, digits and hyphens (2-63 characters).", field="slug")
    keys = set()
    for cluster in definition.get("clusters") or []:
        key = str(cluster.get("key") or "")
        if not KEY_RE.match(key):
            raise Invalid("Cluster key '%(key)s' must use lower-case letters, digits and hyphens.", key=key)
        if key in keys:
            raise Invalid("Cluster key '%(key)s' appears twice.", key=key)
        keys.add(key)
        if not str(cluster.get("name_ko") or "").strip():
            raise Invalid("Cluster '%(key)s' needs a Korean name (name_ko).", key=key)
        sdgs = cluster.get("sdgs") or []
        if not sdgs or any(not isinstance(n, int) or not 1 <= n <= 17 for n in sdgs):
            raise Invalid("Cluster '%(key)s' must list SDGs as numbers from 1 to 17.", key=key)
    edition = definition.get("current_edition")
    if edition is not None and (isinstance(edition, bool) or not isinstance(edition, int)
                                or not MIN_EDITION <= edition <= MAX_EDITION):
        raise Invalid("The current edition must be a year such as %(year)d.", year=local_today().year)


def create_network(definition: dict, *, replace_clusters: bool = False) -> Network:
    """Create a network (or update one with the same slug) from a definition mapping."""
    _validate(definition)
    if db.session.scalar(sa.select(sa.func.count()).select_from(Goal)) < 17:
        load_goals()
    network = db.session.scalar(sa.select(Network).where(Network.slug == definition["slug"]))
    if network is None:
        network = Network(slug=definition["slug"])
        db.session.add(network)
    network.name_ko = definition["name_ko"].strip()
    network.name_en = (definition.get("name_en") or definition["name_ko"]).strip()
    network.city = definition["city"].strip()
    network.default_language = definition.get("default_language", "ko")
    network.pledge_version = str(definition.get("pledge_version") or "1")
    network.pledge_text_ko = (definition.get("pledge_text_ko") or "").strip()
    network.pledge_text_en = (definition.get("pledge_text_en") or network.pledge_text_ko).strip()
    network.pledge_text_individual_ko = (definition.get("pledge_text_individual_ko") or "").strip()
    network.pledge_text_individual_en = (definition.get("pledge_text_individual_en")
                                         or network.pledge_text_individual_ko).strip()
    # Only a definition that names an edition sets it; otherwise the edition an organiser opened
    # (or the calendar year) stays.
    if definition.get("current_edition") is not None:
        network.opened_edition = definition["current_edition"]
    if definition.get("retention_months") is not None:
        set_retention(network, definition["retention_months"])
    existing = {c.key: c for c in network.clusters}
    if replace_clusters:
        for key in set(existing) - {c["key"] for c in definition.get("clusters") or []}:
            network.clusters.remove(existing.pop(key))
    goals = {g.number: g for g in db.session.scalars(sa.select(Goal))}
    for position, spec in enumerate(definition.get("clusters") or []):
        cluster = existing.get(spec["key"]) or Cluster(key=spec["key"])
        if cluster not in network.clusters:
            network.clusters.append(cluster)
        cluster.position = position
        cluster.name_ko = spec["name_ko"].strip()
        cluster.name_en = (spec.get("name_en") or spec["name_ko"]).strip()
        cluster.description_ko = (spec.get("description_ko") or "").strip()
        cluster.description_en = (spec.get("description_en") or "").strip()
        cluster.goals = [goals[n] for n in sorted(set(spec["sdgs"]))]
    db.session.flush()
    return network


def load_default_network() -> Network:
    return create_network(read_definition(DEFAULTS_DIR / "cheongju.yaml"))


RETENTION_MONTHS_RANGE = (1, 120)


def set_retention(network: Network, months: object) -> int:
    """Set how many months personal data is kept after withdrawal or last activity (1–120)."""
    text = str(months if months is not None else "").strip()
    low, high = RETENTION_MONTHS_RANGE
    if not text.isdigit() or not low <= int(text) <= high:
        raise Invalid("The retention period must be a whole number of months from %(low)d to %(high)d.",
                      field="retention_months", low=low, high=high)
    network.retention_months = int(text)
    db.session.flush()
    return network.retention_months


def get_network(slug: str, *, clusters: bool = True) -> Network:
    """The network ``slug`` with its clusters and their goals, in one query (every page needs it).

    ``clusters=False``: the network's own row only, for writes that never read its clusters (an API
    registration: loading every cluster's goals was a third of its CPU time)."""
    network = db.session.scalars(_network_by_slug(clusters), {"slug": slug}).unique().one_or_none()
    if network is None:
        raise NotFound("There is no network called '%(slug)s'.", slug=slug)
    return network


@functools.cache
def _network_by_slug(clusters: bool) -> sa.Select:
    """The statement of ``get_network``, built once (every request runs it; the slug is a parameter)."""
    return sa.select(Network).where(Network.slug == sa.bindparam("slug")).options(
        joinedload(Network.clusters).joinedload(Cluster.goals) if clusters else lazyload(Network.clusters))


def list_networks() -> list[Network]:
    return list(db.session.scalars(sa.select(Network).order_by(Network.slug)))


def ensure_default_data() -> bool:
    """Load the SDGs and the default network into an empty database; True if it did."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Network)):
        return False
    load_goals()
    load_default_network()
    return True


# --- the yearly cycle ----------------------------------------------------------------------

def proposed_edition(network: Network) -> int:
    """The edition an organiser would open next: the year after the current one, or this
    calendar year when the network is still on an older one."""
    return max(network.current_edition + 1, local_today().year)


def latest_allowed_edition() -> int:
    """Organisers may open next year's cycle early, not one further ahead."""
    return local_today().year + 1


def open_edition(network: Network, edition: int | None = None, *, user_id: int | None = None) -> NetworkEdition:
    """Move ``network`` to ``edition`` (default ``proposed_edition``); see the module doc."""
    edition = proposed_edition(network) if edition is None else edition
    if isinstance(edition, bool) or not isinstance(edition, int):
        raise Invalid("Please give the year to open, such as %(year)d.", field="edition", year=proposed_edition(network))
    previous = network.current_edition
    if edition <= previous:
        raise Conflict("The %(current)d edition is already open; a new edition must come after it.",
                       field="edition", current=previous)
    if edition > latest_allowed_edition():
        raise Invalid("You can open at most next year's edition (%(year)d).", field="edition",
                      year=latest_allowed_edition())
    opening = NetworkEdition(network_id=network.id, edition=edition, previous_edition=previous,
                             opened_at=utcnow(), opened_by_user_id=user_id, invited=0, reachable=0)
    nested = savepoint()
    try:
        db.session.add(opening)
        db.session.flush()
    except IntegrityError:  # opened twice at once: one wins, the caller's transaction stays usable
        nested.rollback()
        raise Conflict("The %(current)d edition is already open; a new edition must come after it.",
                       field="edition", current=edition) from None
    nested.commit()
    network.opened_edition = edition
    db.session.flush()
    edition_opened.send(network, opening=opening)
    db.session.flush()
    return opening


def edition_history(network: Network) -> list[NetworkEdition]:
    return list(db.session.scalars(sa.select(NetworkEdition).where(NetworkEdition.network_id == network.id)
                                   .order_by(NetworkEdition.opened_at.desc(), NetworkEdition.id.desc())))
