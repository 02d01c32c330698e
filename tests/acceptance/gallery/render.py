"""Documents turned into something the gallery can show, and the gallery's index.html."""
from __future__ import annotations

import csv
import html
import io
import json
import subprocess
from pathlib import Path

from openpyxl import load_workbook

MAX_ROWS = 40


def pdf_pages(pdf: Path, out_dir: Path, stem: str, *, dpi: int = 70) -> list[Path]:
    """Every page of ``pdf`` as PNG (``pdftoppm -png``); the list of files written."""
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out_dir / stem)], check=True,
                   capture_output=True, timeout=120)
    return sorted(out_dir.glob(f"{stem}-*.png"))


def pdf_fonts(pdf: Path) -> str:
    """``pdffonts`` output (which fonts are embedded), shown next to the pages."""
    done = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, timeout=60)
    return done.stdout


def _cell(value: object, tag: str = "td") -> str:
    return f"<{tag}>{html.escape('' if value is None else str(value))}</{tag}>"


def _table(rows: list[list[object]], caption: str) -> str:
    head, *body = rows or [[]]
    cells = "".join(_cell(c, "th") for c in head)
    lines = ["<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in body[:MAX_ROWS]]
    more = f"<p>… {len(body) - MAX_ROWS} more rows</p>" if len(body) > MAX_ROWS else ""
    return (f"<table><caption>{html.escape(caption)}</caption><thead><tr>{cells}</tr></thead>"
            f"<tbody>{''.join(lines)}</tbody></table>{more}")


def xlsx_html(data: bytes) -> tuple[str, dict]:
    """Each sheet as an HTML table (first rows), and a summary {sheet: (rows, columns)}."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    parts, summary = [], {}
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        summary[sheet.title] = (len(rows), max((len(r) for r in rows), default=0))
        parts.append(_table(rows, f"{sheet.title}: {len(rows)} rows"))
    book.close()
    return "".join(parts), summary


def csv_html(data: bytes) -> tuple[str, int]:
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    return _table(rows, f"{len(rows)} rows"), len(rows)


STYLE = """
body{font-family:'NanumGothic','Noto Sans KR',sans-serif;margin:16px;color:#1d2733}
h2{margin-top:2em;border-bottom:2px solid #19486A}
.row{display:flex;gap:12px;align-items:flex-start;overflow-x:auto;padding-bottom:8px}
figure{margin:0;flex:none} figcaption{font-size:12px;color:#444}
img.phone{width:200px} img.desktop{width:520px} img.doc{width:420px;border:1px solid #ccc}
table{border-collapse:collapse;font-size:12px;margin:6px 0} td,th{border:1px solid #ccc;padding:2px 4px}
.bad{color:#b00020;font-weight:700} .ok{color:#2e7d32} pre{font-size:11px;max-height:300px;overflow:auto;background:#f5f7f9}
nav a{margin-right:8px}
"""


def write_index(out: Path, *, pages: list[dict], documents: list[dict], answers: list[dict], audit: dict,
                figures: dict) -> Path:
    """``index.html``: every page in its four variants side by side, then documents, API, audit."""
    parts = [f"<!doctype html><html lang='en'><meta charset='utf-8'><title>CivicNet gallery</title>"
             f"<style>{STYLE}</style><h1>CivicNet gallery</h1>"
             f"<p>{html.escape(json.dumps(figures, ensure_ascii=False))}</p>"
             "<nav><a href='#pages'>Pages</a><a href='#documents'>Documents</a><a href='#api'>API</a>"
             "<a href='#audit'>Accessibility audit</a></nav><h2 id='pages'>Pages</h2>"]
    for page in pages:
        found = audit.get(page["name"], [])
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        flag = (f"<span class='bad'>{len(serious)} serious/critical</span>" if serious
                else "<span class='ok'>axe: 0 serious/critical</span>")
        parts.append(f"<h3 id='{page['name']}'>{html.escape(page['title'])} <code>{html.escape(page['path'])}</code>"
                     f" · {flag}</h3><div class='row'>")
        for shot in page["shots"]:
            cls = "phone" if shot["width"] < 600 else "desktop"
            parts.append(f"<figure><a href='{shot['file']}'><img class='{cls}' loading='lazy' src='{shot['file']}' "
                         f"alt='{html.escape(page['title'])}, {shot['lang']}, {shot['width']} px'></a>"
                         f"<figcaption>{shot['lang']} · {shot['width']} px</figcaption></figure>")
        parts.append("</div>")
    parts.append("<h2 id='documents'>Documents</h2>")
    for doc in documents:
        parts.append(f"<h3 id='{doc['name']}'>{html.escape(doc['title'])} <code>{html.escape(doc['path'])}</code>"
                     f" · <a href='{doc['file']}'>{doc['file']}</a></h3>")
        if doc.get("images"):
            parts.append("<div class='row'>" + "".join(
                f"<figure><a href='{img}'><img class='doc' loading='lazy' src='{img}' alt='page {n}'></a>"
                f"<figcaption>page {n}</figcaption></figure>" for n, img in enumerate(doc["images"], 1)) + "</div>")
        if doc.get("fonts"):
            parts.append(f"<pre>{html.escape(doc['fonts'])}</pre>")
        if doc.get("table"):
            parts.append(doc["table"])
    parts.append("<h2 id='api'>API</h2>")
    for answer in answers:
        parts.append(f"<h3>{html.escape(answer['title'])} <code>{html.escape(answer['path'])}</code> · "
                     f"<a href='{answer['file']}'>{answer['file']}</a></h3><pre>{html.escape(answer['excerpt'])}</pre>")
    parts.append("<h2 id='audit'>Accessibility audit (axe-core)</h2><table><tr><th>page</th><th>variant</th>"
                 "<th>rule</th><th>impact</th><th>nodes</th><th>help</th></tr>")
    for name, found in sorted(audit.items()):
        for v in found:
            parts.append(f"<tr><td><a href='#{name}'>{name}</a></td><td>{v['variant']}</td><td>{v['id']}</td>"
                         f"<td>{v['impact']}</td><td>{v['nodes']}</td><td>{html.escape(v['help'])}</td></tr>")
    parts.append("</table></html>")
    index = out / "index.html"
    index.write_text("".join(parts), encoding="utf-8")
    return index
