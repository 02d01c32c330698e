"""What people see of a group: phones in the national form, local times, history in words."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook

from civicnet.extensions import db
from civicnet.organisations import services
from civicnet.organisations.validation import display_phone
from tests.builders import login, make_organisation, make_user
from tests.organisations.conftest import DETAILS


@pytest.mark.parametrize("stored,shown", [
    ("+821022113424", "010-2211-3424"), ("+82432223333", "043-222-3333"), ("+8221234567", "02-123-4567"),
    ("+12025550123", "+1 202-555-0123"), ("+447911123456", "+44 7911 123456"), (None, ""), ("", ""),
])
def test_display_phone(stored, shown):
    assert display_phone(stored) == shown


@pytest.fixture
def organiser(client, network):
    login(client, make_user(network, "staff"))


@pytest.fixture
def korean_phone(network):
    # Registered at 23:30 UTC on 2026-03-31: already 1 April in Seoul.
    org = make_organisation(network, name="무심천 지킴이", phone="+821022113424", email="",
                            created_at=datetime(2026, 3, 31, 23, 30))
    make_organisation(network, name="Green Seoul", phone="+12025550123", email="",
                      created_at=datetime(2026, 3, 30, 3, 0))
    db.session.commit()
    return org


def test_exports_show_the_national_form_and_local_dates(client, organiser, korean_phone):
    response = client.get("/o/cheongju/organisations.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    by_name = {r[1]: r for r in rows[1:]}
    assert rows[0][5] == "전화번호" and rows[0][17] == "등록일"
    assert by_name["무심천 지킴이"][5] == "010-2211-3424"  # no formula-guard quote, no +82
    assert by_name["무심천 지킴이"][17] == "2026-04-01"  # the Seoul date, not UTC's 03-31
    book = load_workbook(io.BytesIO(client.get("/o/cheongju/organisations.xlsx").data))
    cells = {row[1].value: row for row in book.active.iter_rows(min_row=2)}
    assert cells["무심천 지킴이"][5].value == "010-2211-3424" and cells["무심천 지킴이"][5].data_type == "s"
    # Kept international; a text cell, so no quote is needed (the CSV keeps the guard's quote).
    assert cells["Green Seoul"][5].value == "+1 202-555-0123" and cells["Green Seoul"][5].data_type == "s"
    assert by_name["Green Seoul"][5] == "'+1 202-555-0123"


def test_detail_page_and_edit_form_show_the_national_form(client, organiser, network, korean_phone):
    html = client.get(f"/o/cheongju/organisations/{korean_phone.id}").get_data(as_text=True)
    assert "010-2211-3424" in html and "+8210" not in html
    result = services.register_organisation(network, DETAILS | {"phone": "010 2211 3424"}, goals=[6],
                                            consent_version="1")
    db.session.commit()
    html = client.get(f"/edit?t={result.edit_token}").get_data(as_text=True)
    assert 'value="010-2211-3424"' in html and "+8210" not in html
    # Saving the form unchanged changes nothing (the national form is the same number).
    data = DETAILS | {"phone": "010-2211-3424"}
    response = client.post(f"/edit?t={result.edit_token}", data=data, follow_redirects=True)
    assert "바뀐 내용이 없습니다" in response.get_data(as_text=True)
    assert result.organisation.phone == "+821022113424"


def test_history_in_words_with_local_times(client, organiser, network):
    org = services.register_organisation(network, DETAILS, goals=[6, 15], consent_version="1").organisation
    services.update_organisation(org, {"district": "상당구"}, actor_kind="group")
    db.session.commit()
    html = client.get(f"/o/cheongju/organisations/{org.id}").get_data(as_text=True)
    for words in ("등록", "새 수정 링크 발급", "정보 수정: 지역", "SDG 6, 15"):
        assert words in html, words
    # Local time, worded by Babel: "2026년 11월 30일 03:40", never UTC or AM/PM codes.
    assert re.search(r"<tr><td>\d{4}년 \d{1,2}월 \d{1,2}일 \d\d:\d\d</td><td>단체</td>", html)
    for code in ("edit_link_issued", "registered</td>", "updated", ">group<", "district"):
        assert code not in html, code
    html = client.get(f"/o/cheongju/organisations/{org.id}?lang=en").get_data(as_text=True)
    assert "New edit link made" in html and "Details changed: district" in html and "The group" in html
