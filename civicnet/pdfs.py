"""The one Korean font every CivicNet PDF uses, embedded (meetings' PDFs and the yearly report).

``FONT`` is NanumGothic (SIL Open Font License 1.1), shipped in ``civicnet/static/fonts/`` with its
licence (``SOURCE.md`` there says where it comes from). ReportLab embeds a subset of it in each PDF,
so a printed page looks the same whatever viewer or printer opens it; ReportLab's built-in CID
fonts (HYGothic-Medium) are not embedded and are no longer used.

    from civicnet.pdfs import FONT, register_fonts, fit_text
    register_fonts()
    canvas.setFont(FONT, 12)
"""
from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT = "NanumGothic"
FONT_PATH = Path(__file__).resolve().parent / "static" / "fonts" / "NanumGothic.ttf"

_lock = threading.Lock()


def register_fonts() -> str:
    """Register the Korean TrueType font with ReportLab once per process; returns its name."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    with _lock:
        if FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH)))
    return FONT


def new_canvas(out, *, title: str, pagesize: tuple[float, float] = A4) -> Canvas:
    """A compressed canvas whose initial font is ours too (else ReportLab names Helvetica, unembedded)."""
    canvas = Canvas(out, pagesize=pagesize, pageCompression=1, initialFontName=register_fonts())
    canvas.setTitle(title)
    canvas.setCreator("CivicNet")
    return canvas


def text_width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, register_fonts(), size)


def fit_text(text: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis so that it fits ``width`` points at ``size``."""
    text = str(text)
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def wrap_text(text: str, size: float, width: float, max_lines: int = 2) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines of ``width`` points (at spaces where it can,
    anywhere in a Korean word otherwise); the last line is cut with an ellipsis if needed."""
    words = str(text).split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if text_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while text_width(current, size) > width and len(lines) < max_lines - 1:
            cut = len(current)
            while cut > 1 and text_width(current[:cut], size) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [" ".join(lines[max_lines - 1:])]
    if lines:
        lines[-1] = fit_text(lines[-1], size, width)
    return lines
