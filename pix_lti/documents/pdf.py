"""PDF building blocks on reportlab, with embedded fonts only.

The fonts are the Bitstream Vera faces shipped inside reportlab itself, embedded (subset) in every PDF: the output
does not depend on the fonts of the host, and they cover French (é, œ, ’, «  », €). The narrow no-break space
(U+202F, used before « ; : ! ? » in French typography) has no glyph in Vera: :func:`pdf_text` turns it into a
no-break space so that no box ever prints.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Any

import reportlab
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_REGULAR = "PixSans"
FONT_BOLD = "PixSans-Bold"
FONT_ITALIC = "PixSans-Italic"
FONT_BOLD_ITALIC = "PixSans-BoldItalic"
_FONT_FILES = {FONT_REGULAR: "Vera.ttf", FONT_BOLD: "VeraBd.ttf", FONT_ITALIC: "VeraIt.ttf",
               FONT_BOLD_ITALIC: "VeraBI.ttf"}
_registered = False


def register_fonts() -> None:
    """Register the embedded faces once per process (idempotent, cheap afterwards)."""
    global _registered
    if _registered:
        return
    font_dir = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    for name, filename in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, os.path.join(font_dir, filename)))
    pdfmetrics.registerFontFamily(FONT_REGULAR, normal=FONT_REGULAR, bold=FONT_BOLD, italic=FONT_ITALIC,
                                  boldItalic=FONT_BOLD_ITALIC)
    _registered = True


def pdf_text(text: str) -> str:
    """Text as the embedded fonts can print it (see the module docstring)."""
    return text.replace("\u202f", "\u00a0")


def fit(text: str, font: str, size: float, width: float, *, min_size: float = 7.0) -> tuple[str, float]:
    """``text`` at the largest size from ``size`` down to ``min_size`` that fits ``width``; still too long at the
    smallest size, it is cut and ends with an ellipsis (a long name never runs into the next column)."""
    text = pdf_text(text)
    while size > min_size and stringWidth(text, font, size) > width:
        size -= 0.5
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…", size


def render_canvas(draw: Callable[[Canvas], None], *, title: str, author: str = "pix_lti", subject: str = "",
                  lang: str = "fr", pagesize: tuple[float, float] = A4) -> bytes:
    """Run ``draw`` on a fresh canvas and return the PDF bytes. Metadata (title, language) help screen readers and
    document indexes; ``invariant`` output keeps the same input giving the same bytes (testable, cacheable)."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=pagesize, invariant=1, lang=lang)
    canvas.setTitle(pdf_text(title))
    canvas.setAuthor(author)
    canvas.setSubject(pdf_text(subject))
    canvas.setCreator("pix_lti")
    draw(canvas)
    canvas.save()
    return buffer.getvalue()


def pdf_response_headers(filename: str, *, inline: bool = True) -> dict[str, Any]:
    """Headers for sending a PDF: inline (open in the browser's viewer) or as an attachment; never cached by proxies
    since these documents carry personal data."""
    disposition = "inline" if inline else "attachment"
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "document.pdf"
    return {"Content-Type": "application/pdf", "Content-Disposition": f'{disposition}; filename="{safe}"',
            "Cache-Control": "private, no-store"}
