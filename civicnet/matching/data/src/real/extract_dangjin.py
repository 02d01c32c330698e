"""Extract real activity descriptions from Dangjin City's web pages (the texts labelled in ``dangjin_labels.tsv``).

Source: the JSP page sources of www.dangjin.go.kr as published in the public GitHub repository
``min3076/dangjin2023`` (commit ``772443f02ef3b33e26e004fc9e3ad48abd7db21f``, 2023-04-26). The city
opens its own works under 공공누리 제1유형 (KOGL Type 1: attribution; commercial use and
derivatives allowed) — see ``../../SOURCES.md``. Three kinds of text are taken:

- ``주민자치``: the project tables of the 읍·면·동 residents' self-governance committees
  (``html/kor/sub06/sub06_XX_06_01*.jsp``; the dated/backup files are earlier versions of the same
  pages): each row becomes ``"{사업명}: {내용}"``;
- ``기업``: the social enterprise / village enterprise / social co-operative register of the
  economy pages (``html/kor/sub05/sub05_03_03*.jsp``): ``"{기업명}: {사업내역}"``;
- ``기관``: one-line role statements of local support centres (``역할 :`` / ``주요업무 :``) and the
  energy centre's list of main projects: ``"{기관명}: {역할}"``.

Texts are kept verbatim (whitespace collapsed, list items joined by " / "); rows without an
activity (totals, head counts only, statistics) and repeats (case/space/punctuation-blind, also
of the description alone) are dropped. Run with the path of a clone or mirror of the repository:
``python extract_dangjin.py /path/to/dangjin2023`` (JSON lines ``{"ref", "kind", "text"}``);
``build_real_set.py`` calls it and keeps the rows labelled in ``dangjin_labels.tsv``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

REPO = "min3076/dangjin2023"
COMMIT = "772443f02ef3b33e26e004fc9e3ad48abd7db21f"


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._table: list[list[str]] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")
        elif tag == "li" and self._cell is not None:
            self._cell.append(" / ")

    def handle_endtag(self, tag):
        if tag == "table" and self._table is not None:
            self.tables.append(self._table)
            self._table = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self._table.append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(_clean("".join(self._cell)).strip(" /"))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def _show(repo: Path, path: str) -> str:
    return subprocess.run(["git", f"--git-dir={repo}", "show", f"{COMMIT}:{path}"], capture_output=True,
                          check=True).stdout.decode("utf-8", "replace")


def _ls(repo: Path, folder: str) -> list[str]:
    out = subprocess.run(["git", f"--git-dir={repo}", "ls-tree", "--name-only", COMMIT, folder + "/"],
                         capture_output=True, check=True, text=True).stdout
    return out.split()


def extract(repo: Path) -> list[dict]:
    rows: list[dict] = []
    seen: set[str] = set()

    def add(ref: str, kind: str, text: str, *keys: str) -> None:
        ks = [_key(k) for k in (text, *keys) if k]
        if any(k in seen for k in ks):
            return
        seen.update(ks)
        rows.append({"ref": f"{REPO}@{COMMIT[:7]}:{ref}", "kind": kind, "text": _clean(text)})

    jumin = sorted(p for p in _ls(repo, "html/kor/sub06") if "_06_01" in p)
    # Current pages first, then the earlier versions (which only add rows no longer shown).
    jumin.sort(key=lambda p: (bool(re.search(r"backup|_20\d{4,}|_\d{6}\.jsp", p)), p))
    skip_first = {"사업명", "구분", "프로그램명", "년도", "합계", "계", "세대", "법정리"}
    for path in jumin:
        parser = _Tables()
        parser.feed(_show(repo, path))
        for t, table in enumerate(parser.tables):
            for r, cells in enumerate(table):
                if len(cells) < 3 or cells[0] in skip_first:
                    continue
                name, desc = cells[0], cells[2]
                if re.fullmatch(r"[\d,.]+", name) or re.fullmatch(r"[\d,.]+", desc) or re.fullmatch(r"\d\d년", name):
                    continue
                if desc.startswith("주민 ") and re.fullmatch(r"주민 \d+명", desc) and name.endswith("사업"):
                    continue  # a bare head count under a generic project name says nothing
                add(f"{path}#t{t}r{r}", "주민자치", f"{name}: {desc}" if desc else name, desc)
    for path in ("html/kor/sub05/sub05_03_03.jsp", "html/kor/sub05/sub05_03_03_20180807.jsp"):
        parser = _Tables()
        parser.feed(_show(repo, path))
        for t, table in enumerate(parser.tables):
            header = table[0] if table else []
            col = next((i for i, h in enumerate(header) if h in ("사업내역", "사업내용", "생산제품")), None)
            if col is None:
                continue
            for r, cells in enumerate(table[1:], 1):
                if len(cells) > col and cells[0]:
                    # the same enterprise is spelt "(주)X" / "X(주)" / "㈜X" and "X마을" / "X" across versions
                    name_key = re.sub(r"\(주\)|㈜|마을", "", cells[0])
                    add(f"{path}#t{t}r{r}", "기업", f"{cells[0]}: {cells[col]}", cells[0], name_key)
    blurbs = ["html/kor/sub05/sub05_03_01_06.jsp", "html/kor/sub05/sub05_03_04_09.jsp",
              "html/kor/sub05/sub05_03_09_01.jsp", "html/kor/sub05/sub05_03_09_02.jsp",
              "html/kor/sub05/sub05_03_10_03.jsp", "html/kor/sub05/sub05_03_10_04.jsp"]
    for path in blurbs:
        html = _show(repo, path)
        for m in re.finditer(r"<h2>(.*?)</h2>(.*?)(?=<h2>|\Z)", html, re.DOTALL):
            name = _clean(re.sub(r"<[^>]+>", "", m.group(1)))
            items = [_clean(re.sub(r"<[^>]+>", " ", li)) for li in re.findall(r"<(?:li|h3)>(.*?)</(?:li|h3)>", m.group(2), re.DOTALL)]
            role = next((re.sub(r"^\S+ : ", "", i) for i in items if re.match(r"(역할|주요업무|사업내용) : ", i)), None)
            if role and name and "현황" not in name:
                add(f"{path}#{name}", "기관", f"{name}: {role}")
    html = _show(repo, "html/kor/sub03/sub03_12_05.jsp")
    block = re.search(r"<b>주요사업</b>\s*<ul[^>]*>(.*?)</ul>", html, re.DOTALL)
    if block:
        items = [_clean(re.sub(r"<[^>]+>", "", li)) for li in re.findall(r"<li>(.*?)</li>", block.group(1), re.DOTALL)]
        add("html/kor/sub03/sub03_12_05.jsp#에너지센터", "기관", "당진시 에너지센터 주요사업: " + " / ".join(items))
    return rows


def main() -> None:
    repo = Path(sys.argv[1])
    if (repo / ".git").exists():
        repo = repo / ".git"
    for row in extract(repo):
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
