"""Organisers' confirmations become the network's few-shot examples; erasure removes them."""
import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.matching.models import MatchingExample
from civicnet.organisations import services as org_services
from tests.builders import make_organisation


def _examples():
    return db.session.scalars(sa.select(MatchingExample).order_by(MatchingExample.id)).all()


def test_organiser_goals_and_cluster_are_recorded_as_examples(app, network):
    org = make_organisation(network, goals=[6], activities="무심천 정화와 수질 모니터링")
    org_services.set_goals(org, [6, 15], actor_kind="group")
    assert _examples() == []  # the group's own choice is not a trusted label
    org_services.set_goals(org, [6, 15], actor_kind="organiser", actor_user_id=None)
    org_services.set_cluster(org, "nature", actor_kind="organiser")
    db.session.commit()
    [example] = _examples()
    assert (example.organisation_id, example.sdgs, example.clusters) == (org.id, [6, 15], ["nature"])
    assert example.text == "무심천 정화와 수질 모니터링"


def test_erasing_a_group_removes_its_example(app, network):
    org = make_organisation(network, goals=[2], activities="푸드뱅크 나눔")
    org_services.set_goals(org, [2, 12], actor_kind="organiser")
    db.session.commit()
    assert len(_examples()) == 1
    org_services.erase_personal_data(org, actor_kind="group")
    db.session.commit()
    assert _examples() == []
