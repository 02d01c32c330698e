"""The dashboard's counts are kept per process under the network's data version: a change made
anywhere (another app instance, another process, a bulk statement) is seen on the next read."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from civicnet.dashboard.stats import Filters, groups_to_place, network_stats
from civicnet.data_versions import StatsVersion, data_version
from civicnet.extensions import db
from civicnet.organisations import services as organisations
from civicnet.organisations.models import Organisation
from civicnet.pledges.models import Pledge
from tests.builders import login, make_organisation, make_user

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def counted_statements():
    """The SELECTs (WITH ... SELECT included: the recount is one) the app's engine runs meanwhile
    (to tell a kept answer from a recount)."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _groups(network) -> int:
    return network_stats(network, Filters()).groups


def test_counts_are_kept_until_the_data_changes(app, network):
    make_organisation(network, goals=[6])
    assert _groups(network) == 1
    with counted_statements() as seen:
        assert _groups(network) == 1
    assert not [s for s in seen if "count(" in s.lower()], "the counts were not kept"
    assert [s for s in seen if "stats_versions" in s], "the version was not checked"

    make_organisation(network, goals=[4])
    with counted_statements() as seen:
        assert _groups(network) == 2
    assert [s for s in seen if "count(" in s.lower()]


def in_another_process(database_url: str, body: str) -> None:
    """Run ``body`` (inside an app context, then committed) in a process of its own, as another
    web instance or worker on another machine would."""
    script = "\n".join([
        "from civicnet import create_app",
        "from civicnet.extensions import db",
        "from civicnet.networks.services import get_network",
        "from civicnet.organisations import services as organisations",
        f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {database_url!r}, 'SECRET_KEY': 'x' * 40, 'TESTING': True}})",
        "with app.app_context():",
        textwrap.indent(textwrap.dedent(body).strip(), "    "),
        "    db.session.commit()",
    ])
    env = os.environ | {"HF_HUB_OFFLINE": "1", "CIVICNET_ENV": "development"}
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=120)


def test_goals_and_cluster_set_in_another_process_are_seen(app, database_url, network):
    org = make_organisation(network, goals=[6])
    before = network_stats(network, Filters())
    assert before.groups == 1 and {g.number for g in before.goals if g.groups} == {6}
    assert groups_to_place(network)[0] == 1  # no cluster yet
    version = data_version(network.id)
    db.session.commit()

    in_another_process(database_url, f"""
        org = organisations.get_organisation(get_network({network.slug!r}), {org.id})
        organisations.set_goals(org, [13, 6], actor_kind="organiser")
        organisations.set_cluster(org, "nature", actor_kind="organiser")
    """)

    assert data_version(network.id) != version
    after = network_stats(network, Filters())
    assert {g.number for g in after.goals if g.groups} == {6, 13}
    assert groups_to_place(network)[0] == 0


def test_a_registration_in_another_process_is_seen_on_the_page(app, client, database_url, network):
    make_organisation(network, goals=[6])
    login(client, make_user(network, "staff"))
    html = client.get(f"/o/{network.slug}/dashboard?lang=en&year=all").get_data(as_text=True)
    assert "1 groups in" in html
    db.session.commit()

    in_another_process(database_url, f"""
        organisations.register_organisation(get_network({network.slug!r}), {{
            "name": "다른 프로세스 모임", "kind": "club", "email": "other-process@example.org",
            "activities": "숲 체험", "representative": "홍길동"}}, goals=[15], consent_version="1")
    """)

    html = client.get(f"/o/{network.slug}/dashboard?lang=en&year=all").get_data(as_text=True)
    assert "2 groups in" in html


def test_a_bulk_statement_changes_every_network_version(app, network):
    org = make_organisation(network, goals=[6])
    from civicnet.pledges.services import sign_pledge

    sign_pledge(org, "김민지", [6], "")
    db.session.commit()
    edition = network.current_edition
    assert network_stats(network, Filters(year=edition)).pledges == 1

    db.session.execute(sa.update(Pledge).where(Pledge.organisation_id == org.id)
                       .values(withdrawn_at=sa.func.current_timestamp()))
    db.session.commit()
    assert network_stats(network, Filters(year=edition)).pledges == 0


def test_own_uncommitted_changes_are_counted_and_not_kept(app, network):
    make_organisation(network, goals=[6])
    assert _groups(network) == 1
    organisations.register_organisation(network, {"name": "아직 커밋 안 됨", "kind": "club",
                                                           "representative": "홍길동", "activities": "숲 체험",
                                                           "email": "pending@example.org"},
                                                 goals=[3], consent_version="1")
    assert data_version(network.id) is None  # this transaction holds a change: nothing kept is used
    assert _groups(network) == 2
    db.session.rollback()
    assert _groups(network) == 1
    assert not db.session.scalar(sa.select(sa.func.count()).where(Organisation.name == "아직 커밋 안 됨"))


def test_tokens_are_random_and_made_by_the_first_reader(app, network):
    db.session.execute(sa.delete(StatsVersion))
    db.session.commit()
    first = data_version(network.id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StatsVersion)) == 2
    db.session.commit()
    assert first is not None and len(first[1]) == 32
    db.session.execute(sa.delete(StatsVersion))  # as a restored or emptied database
    db.session.commit()
    assert data_version(network.id) != first


def test_list_and_directory_totals_follow_changes_made_elsewhere(app, database_url, network):
    from civicnet.directory.services import listed_groups
    from civicnet.organisations.services import list_organisations

    org = make_organisation(network, goals=[6], public_listing=True)
    assert list_organisations(network).total == 1
    assert listed_groups(network).total == 0  # not approved yet
    db.session.commit()

    in_another_process(database_url, f"""
        org = organisations.get_organisation(get_network({network.slug!r}), {org.id})
        organisations.approve(org, actor_kind="organiser")
        organisations.register_organisation(get_network({network.slug!r}), {{
            "name": "또 다른 모임", "kind": "club", "email": "another@example.org",
            "activities": "숲 체험", "representative": "홍길동"}}, goals=[15], consent_version="1")
    """)

    assert list_organisations(network).total == 2
    assert listed_groups(network).total == 1
