"""`flask org import`: rows without SDGs get the classifier's suggestions (to review), and the
form's own timestamp is kept."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.matching.models import MatchingSuggestion
from civicnet.organisations.importing import import_csv, parse_timestamp
from civicnet.organisations.models import GoalSource, Organisation
from civicnet.pledges.models import Pledge

NO_SDG_COLUMN = """타임스탬프,단체명,단체 유형,대표자,이메일,주요활동,개인정보 수집·이용 동의
2024. 4. 22 오후 3:12:45,무심천 지킴이,시민단체,김민지,river@example.org,무심천 하천 정화와 수질 모니터링,동의합니다
2024. 4. 23 오전 9:05:00,반찬 나눔회,시민단체,이철수,meals@example.org,독거 어르신 반찬 나눔과 안부 확인,동의합니다
어제 저녁,시간 모름,시민단체,박,late@example.org,마을 도서관 운영,동의합니다
"""


def test_parse_timestamp_forms():
    assert parse_timestamp("2024. 4. 22 오후 3:12:45") == datetime(2024, 4, 22, 15, 12, 45)
    assert parse_timestamp("2024. 4. 22. 오전 12:05:00") == datetime(2024, 4, 22, 0, 5)
    assert parse_timestamp("2024-04-22 15:12:45") == datetime(2024, 4, 22, 15, 12, 45)
    assert parse_timestamp("4/22/2024 3:12:45 PM") == datetime(2024, 4, 22, 15, 12, 45)
    assert parse_timestamp("2024. 13. 40 오후 3:00:00") is None
    assert parse_timestamp("오후 13:00") is None and parse_timestamp("") is None


def test_rows_without_sdgs_get_reviewable_suggestions_and_the_form_time(app, network):
    app.config["SDG_SUGGESTIONS"] = True
    report = import_csv(network, NO_SDG_COLUMN.encode())
    db.session.commit()
    assert report.created == 3 and report.suggested == 3 and not report.skipped
    assert report.notes == [(4, "timestamp not understood; the import time is used")]
    orgs = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    river = orgs["무심천 지킴이"]
    assert 6 in river.goal_numbers
    assert all(link.source == GoalSource.SUGGESTED for link in river.goal_links if link.selected)
    assert river.cluster is not None and river.cluster.key == "nature" and river.cluster_source == "suggested"
    assert db.session.get(MatchingSuggestion, river.id) is not None
    # 15:12:45 in Seoul is 06:12:45 UTC
    assert river.created_at == datetime(2024, 4, 22, 6, 12, 45) == river.consented_at
    pledge = db.session.scalar(sa.select(Pledge).where(Pledge.organisation_id == river.id))
    assert pledge is not None and pledge.signed_at == datetime(2024, 4, 22, 6, 12, 45)
    assert orgs["시간 모름"].created_at.year >= 2025
    # organisers then find every imported group among the suggestions to review
    from civicnet.matching.services import pending_suggestions

    total, _pending = pending_suggestions(network)
    assert total == 3


def test_without_the_classifier_rows_are_imported_without_sdgs(app, network):
    app.config["SDG_SUGGESTIONS"] = False
    report = import_csv(network, NO_SDG_COLUMN.encode())
    db.session.commit()
    assert report.created == 3 and report.suggested == 0
    assert all(not o.goal_numbers for o in db.session.scalars(sa.select(Organisation)))
