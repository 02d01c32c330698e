import csv
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from civicnet.extensions import db
from civicnet.organisations.models import Organisation
from civicnet.pledges.models import Pledge

GOOGLE_FORM = """타임스탬프,단체명,단체 유형,대표자,이메일,연락처,지역(구),회원 수,주요활동,SDGs,개인정보 수집·이용 동의
2024. 4. 22 오전 10:01:02,무심천 지킴이,시민단체,김민지,river@example.org,010-1234-5678,서원구,25,하천 정화와 생태 교육,"6. 깨끗한 물과 위생, 15. 육상생태계",동의합니다
2024. 4. 23 오후 2:11:45,나눔 협동조합,협동조합,이철수,,043-222-3333,상당구,,푸드뱅크와 나눔 장터,"1, 2, 12",동의합니다
2024. 4. 24 오전 9:00:00,동의 안 한 단체,동아리,박,x@example.org,,,,독서,4,동의하지 않습니다
2024. 4. 25 오전 9:00:00,나쁜 이메일,동아리,박,not-an-email,,,,독서,4,동의합니다
2024. 4. 26 오전 9:00:00,무심천지킴이,시민단체,김민지,river@example.org,,,,중복,6,동의합니다
"""


def test_import_google_form_csv(app, network, tmp_path):
    path = tmp_path / "form.csv"
    path.write_bytes("\ufeff".encode() + GOOGLE_FORM.encode("utf-8"))
    result = app.test_cli_runner().invoke(args=["org", "import", str(path), "--network", "cheongju"])
    assert result.exit_code == 0, result.output
    assert "imported 2, skipped 3" in result.output
    assert "row 4: no consent" in result.output and "row 5: email" in result.output
    assert "row 6: duplicate" in result.output
    assert "x@example.org" not in result.output and "not-an-email" not in result.output
    orgs = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    assert orgs["무심천 지킴이"].goal_numbers == [6, 15] and orgs["나눔 협동조합"].kind == "cooperative"
    assert orgs["나눔 협동조합"].phone == "+82432223333"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 2


def test_import_dry_run_and_missing_columns(app, network, tmp_path):
    path = tmp_path / "form.csv"
    path.write_text(GOOGLE_FORM, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["org", "import", str(path), "--network", "cheongju", "--dry-run"])
    assert "dry run" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["org", "import", str(path), "--network", "cheongju"])
    assert "missing column: name" in result.output


def test_export_csv_and_xlsx(app, network, tmp_path):
    path = tmp_path / "form.csv"
    path.write_text(GOOGLE_FORM, encoding="utf-8")
    runner = app.test_cli_runner()
    runner.invoke(args=["org", "import", str(path), "--network", "cheongju"])
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["org", "export", "--network", "cheongju", "-o", str(out), "--goal", "6"])
    assert result.exit_code == 0 and "1 groups" in result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0][1] == "단체명" and rows[1][1] == "무심천 지킴이"
    xlsx = tmp_path / "out.xlsx"
    runner.invoke(args=["org", "export", "--network", "cheongju", "--format", "xlsx", "-o", str(xlsx)])
    assert load_workbook(xlsx).active.max_row == 3
    assert runner.invoke(args=["org", "export", "--network", "nowhere", "-o", str(out)]).exit_code != 0
