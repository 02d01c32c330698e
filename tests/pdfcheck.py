"""Checks on the PDFs CivicNet makes: every font embedded (``pdffonts``), the text (``pdftotext``)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:  # poppler-utils is installed in CI (.ci/run); say so instead of passing
        pytest.fail(f"{name} (poppler-utils) is needed to check PDFs")
    return path


def _run(tool: str, data: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        return subprocess.run([_tool(tool), *args, str(path), "-"] if tool == "pdftotext" else
                              [_tool(tool), *args, str(path)],
                              check=True, capture_output=True, text=True, timeout=60).stdout


def pdf_fonts(data: bytes) -> list[dict[str, str]]:
    """``pdffonts`` rows: name, type, emb (yes/no)."""
    lines = _run("pdffonts", data).splitlines()
    header, rule, rows = lines[0], lines[1], lines[2:]
    # Columns are fixed-width, delimited by the dashes of the rule line.
    spans, start = [], 0
    for part in rule.split(" "):
        spans.append((start, start + len(part)))
        start += len(part) + 1
    names = [header[a:b].strip() for a, b in spans]
    return [{n: row[a:b].strip() for n, (a, b) in zip(names, spans, strict=True)} for row in rows]


def assert_fonts_embedded(data: bytes) -> list[dict[str, str]]:
    """Fails unless the PDF uses at least one font and embeds every one of them."""
    fonts = pdf_fonts(data)
    assert fonts, "the PDF uses no font at all"
    missing = [f["name"] for f in fonts if f["emb"] != "yes"]
    assert not missing, f"fonts not embedded: {missing}"
    return fonts


def pdf_text(data: bytes) -> str:
    return _run("pdftotext", data, "-layout")


def pdf_pages(data: bytes) -> int:
    info = _run("pdfinfo", data)
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
