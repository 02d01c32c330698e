import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.goals.models import Goal, Target


def test_goals_and_targets_loaded(app):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Goal)) == 17
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Target)) == 169
    assert db.session.get(Goal, 6).short_ko == "깨끗한 물과 위생" or db.session.get(Goal, 6).short_ko


def test_cheongju_clusters(network):
    keys = [c.key for c in network.clusters]
    assert keys == ["jobs", "agri-food", "resilient", "welfare", "culture", "safety", "nature"]
    mapping = {c.key: c.goal_numbers for c in network.clusters}
    assert mapping["nature"] == [4, 6, 12, 13, 14, 15]
    assert mapping["agri-food"] == [2, 3, 6, 9, 10, 11, 12]


def test_home_page_korean_and_english(client, network):
    ko = client.get("/")
    assert ko.status_code == 200
    assert "청주" in ko.get_data(as_text=True)
    en = client.get("/?lang=en")
    assert "Cheongju Citizen Practice Network" in en.get_data(as_text=True)
