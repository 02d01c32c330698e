import csv
import io
import re

import pytest
from openpyxl import load_workbook

from civicnet.extensions import db
from civicnet.organisations.models import Organisation
from civicnet.pledges.services import sign_pledge
from tests.builders import login, make_network, make_organisation, make_user


@pytest.fixture
def organiser(client, network):
    user = make_user(network, "staff")
    login(client, user)
    return user


@pytest.fixture
def groups(network):
    a = make_organisation(network, name="무심천 지킴이", goals=[6, 15], cluster_key="nature", kind="ngo")
    b = make_organisation(network, name="나눔 푸드뱅크", goals=[1, 2], kind="cooperative", status="approved")
    sign_pledge(a, "대표", [6])
    db.session.commit()
    return a, b


def test_login_required(client, network):
    response = client.get("/o/cheongju/organisations")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("lang,text", [("ko", "참여 단체"), ("en", "Groups in")])
def test_list_both_languages(client, organiser, groups, lang, text):
    response = client.get(f"/o/cheongju/organisations?lang={lang}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and text in body
    assert "무심천 지킴이" in body and "나눔 푸드뱅크" in body


@pytest.mark.parametrize("query,expected", [
    ("q=푸드", ["나눔 푸드뱅크"]), ("status=approved", ["나눔 푸드뱅크"]), ("kind=ngo", ["무심천 지킴이"]),
    ("goal=15", ["무심천 지킴이"]), ("cluster=nature", ["무심천 지킴이"]), ("cluster=none", ["나눔 푸드뱅크"]),
    ("pledged=yes", ["무심천 지킴이"]), ("pledged=no", ["나눔 푸드뱅크"]), ("goal=abc&status=bogus", None),
])
def test_filters(client, organiser, groups, query, expected):
    response = client.get(f"/o/cheongju/organisations?{query}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in expected or ["무심천 지킴이", "나눔 푸드뱅크"]:
        assert name in body
    for name in {"무심천 지킴이", "나눔 푸드뱅크"} - set(expected or ["무심천 지킴이", "나눔 푸드뱅크"]):
        assert name not in body


def test_pagination(client, organiser, network):
    for i in range(55):
        db.session.add(Organisation(network_id=network.id, name=f"단체{i:02d}", name_key=f"k{i}", kind="club",
                                    contact_key=f"c{i}", email=f"c{i}@example.org"))
    db.session.commit()
    first = client.get("/o/cheongju/organisations").get_data(as_text=True)
    second = client.get("/o/cheongju/organisations?page=2").get_data(as_text=True)
    assert "55" in first and "page=2" in first
    assert len(re.findall(r"/o/cheongju/organisations/\d+", second)) == 5
    assert client.get("/o/cheongju/organisations?page=x").status_code == 200


def test_other_networks_are_invisible(client, network, groups):
    other = make_network("daejeon")
    stranger = make_user(other, "admin")
    foreign = make_organisation(other, name="대전 단체")
    login(client, stranger)
    a, _ = groups
    for url in ["/o/cheongju/organisations", f"/o/cheongju/organisations/{a.id}", "/o/cheongju/organisations.csv",
                "/o/cheongju/organisations.xlsx"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/o/cheongju/organisations/{a.id}/approve").status_code == 404
    assert client.post(f"/o/daejeon/organisations/{a.id}/approve").status_code == 404
    body = client.get("/o/daejeon/organisations").get_data(as_text=True)
    assert "대전 단체" in body and "무심천" not in body
    assert client.get(f"/o/daejeon/organisations/{foreign.id}").status_code == 200


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_detail_and_actions(client, organiser, groups, lang):
    a, b = groups
    page = client.get(f"/o/cheongju/organisations/{a.id}?lang={lang}")
    assert page.status_code == 200 and "무심천 지킴이" in page.get_data(as_text=True)
    assert client.post(f"/o/cheongju/organisations/{a.id}/approve").status_code == 302
    assert client.post(f"/o/cheongju/organisations/{a.id}/goals", data={"goals": ["6", "14"]}).status_code == 302
    assert client.post(f"/o/cheongju/organisations/{a.id}/goals", data={"goals": ["99"]}).status_code == 422
    assert client.post(f"/o/cheongju/organisations/{a.id}/cluster", data={"cluster": "welfare"}).status_code == 302
    assert client.post(f"/o/cheongju/organisations/{a.id}/cluster", data={"cluster": "green"}).status_code == 422
    link = client.post(f"/o/cheongju/organisations/{a.id}/edit-link")
    token = re.search(r"/edit\?t=([\w-]+)", link.get_data(as_text=True)).group(1)
    assert client.get(f"/edit?t={token}").status_code == 200
    assert client.post(f"/o/cheongju/organisations/{a.id}/edit-link/revoke").status_code == 302
    assert client.get(f"/edit?t={token}").status_code == 404
    assert client.post(f"/o/cheongju/organisations/{b.id}/withdraw", data={"reason": "중복"}).status_code == 302
    db.session.expire_all()
    a, b = db.session.get(Organisation, a.id), db.session.get(Organisation, b.id)
    assert a.status == "approved" and a.goal_numbers == [6, 14] and a.cluster.key == "welfare"
    assert {l.source for l in a.goal_links if l.selected} == {"organiser"}
    assert b.status == "withdrawn"
    history = client.get(f"/o/cheongju/organisations/{a.id}").get_data(as_text=True)
    # The history in words, never the stored codes.
    words = {"ko": ("SDG 변경", "분야 변경", "승인", "새 수정 링크 발급"),
             "en": ("SDGs changed", "Cluster changed", "Approved", "New edit link made")}[lang]
    assert all(w in history for w in words), words
    assert "goals_set" not in history and "cluster_set" not in history and "edit_link_issued" not in history


def test_csv_export_opens_in_excel(client, organiser, groups):
    response = client.get("/o/cheongju/organisations.csv?goal=6")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["번호", "단체명", "유형"] and len(rows) == 2 and rows[1][1] == "무심천 지킴이"
    assert rows[1][13] == "서명"


def test_xlsx_export(client, organiser, groups):
    response = client.get("/o/cheongju/organisations.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["B1"].value == "단체명" and sheet.max_row == 3


def test_export_neutralises_formulas(client, organiser, network):
    make_organisation(network, name="=HYPERLINK(\"x\")")
    rows = list(csv.reader(io.StringIO(client.get("/o/cheongju/organisations.csv").data.decode("utf-8-sig"))))
    assert rows[1][1].startswith("'=")
