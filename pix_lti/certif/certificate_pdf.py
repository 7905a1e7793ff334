"""A certificate as a one-page A4 PDF: the holder (names, birth date), the certified pix score, the 16 competence levels
grouped by the 5 domains, the date and centre, the validity (3 years), the verification code and a QR code to the public
verification page.

Built from a plain :class:`CertificateData` (the views fill it from a published result): nothing here reads the
database. Text is translated with Flask-Babel in the current locale (the caller wraps the call in ``force_locale`` for
another language); fonts are embedded by :mod:`pix_lti.documents.pdf`; the QR code is drawn with reportlab's own
``qr`` widget (no extra dependency)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from pix_lti.documents.pdf import FONT_BOLD, FONT_ITALIC, FONT_REGULAR, fit, pdf_text, render_canvas

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 40.0
QR_SIZE = 92.0
ACCENT = colors.HexColor("#3d2fa8")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#cccccc")


@dataclass(frozen=True)
class CertificateCompetence:
    code: str
    name: str
    level: int  # −1: not certified


@dataclass(frozen=True)
class CertificateDomain:
    code: str
    title: str
    competences: tuple[CertificateCompetence, ...]


@dataclass(frozen=True)
class CertificateData:
    first_name: str
    last_name: str
    birth_date: date
    pix_score: int
    domains: tuple[CertificateDomain, ...]
    certified_on: date  # the session's date
    centre: str
    valid_until: date
    verification_code: str
    verification_url: str  # <public_url>/verification/<code>
    max_pix: int = 1024

    @property
    def holder(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"


def _draw(canvas: Canvas, x: float, y: float, text: str, font: str, size: float, width: float,
          *, right: bool = False, centred: bool = False) -> None:
    fitted, fitted_size = fit(text, font, size, width)
    canvas.setFont(font, fitted_size)
    if right:
        canvas.drawRightString(x, y, fitted)
    elif centred:
        canvas.drawCentredString(x, y, fitted)
    else:
        canvas.drawString(x, y, fitted)


def level_text(level: int) -> str:
    return _("Niveau %(n)s", n=level) if level >= 1 else _("Non certifiée")


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def certificate_pdf(data: CertificateData, *, lang: str = "fr") -> bytes:
    """The PDF bytes of one certificate (one page)."""
    width = PAGE_WIDTH - 2 * MARGIN

    def draw(canvas: Canvas) -> None:
        top = PAGE_HEIGHT - MARGIN
        canvas.setFillColor(ACCENT)
        canvas.rect(0, PAGE_HEIGHT - 10, PAGE_WIDTH, 10, stroke=0, fill=1)
        _draw(canvas, MARGIN, top - 14, _("Certificat de compétences numériques Pix"), FONT_BOLD, 20, width)
        canvas.setFillColor(MUTED)
        _draw(canvas, MARGIN, top - 32, _("Cadre de référence des compétences numériques (CRCN)"), FONT_ITALIC, 10,
              width)
        canvas.setFillColor(colors.black)
        y = top - 66
        _draw(canvas, MARGIN, y, data.holder, FONT_BOLD, 18, width * 0.62)
        _draw(canvas, MARGIN, y - 18, _("Né(e) le %(d)s", d=format_date(data.birth_date, "long")), FONT_REGULAR, 10,
              width * 0.62)
        _draw(canvas, MARGIN, y - 33, _("Certifié(e) le %(d)s — %(centre)s", d=format_date(data.certified_on, "long"),
                                        centre=data.centre), FONT_REGULAR, 10, width * 0.62)
        # The score, boxed on the right.
        box_w, box_h = 150.0, 66.0
        bx, by = PAGE_WIDTH - MARGIN - box_w, y - 44
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.5)
        canvas.roundRect(bx, by, box_w, box_h, 8, stroke=1, fill=0)
        canvas.setFillColor(ACCENT)
        _draw(canvas, bx + box_w / 2, by + 30, f"{data.pix_score}", FONT_BOLD, 28, box_w - 10, centred=True)
        canvas.setFillColor(colors.black)
        _draw(canvas, bx + box_w / 2, by + 12, _("pix sur %(max)s", max=data.max_pix), FONT_REGULAR, 10, box_w - 10,
              centred=True)

        # Competences by domain.
        y -= 74
        _draw(canvas, MARGIN, y, _("Niveaux certifiés par compétence"), FONT_BOLD, 13, width)
        y -= 8
        for domain in data.domains:
            y -= 20
            canvas.setFillColor(ACCENT)
            _draw(canvas, MARGIN, y, f"{domain.code}. {domain.title}", FONT_BOLD, 11, width)
            canvas.setFillColor(colors.black)
            for comp in domain.competences:
                y -= 15
                _draw(canvas, MARGIN + 12, y, f"{comp.code} {comp.name}", FONT_REGULAR, 9.5, width - 120)
                font = FONT_BOLD if comp.level >= 1 else FONT_ITALIC
                _draw(canvas, PAGE_WIDTH - MARGIN, y, level_text(comp.level), font, 9.5, 105, right=True)
                canvas.setStrokeColor(RULE)
                canvas.setLineWidth(0.4)
                canvas.line(MARGIN + 12, y - 4, PAGE_WIDTH - MARGIN, y - 4)

        # Validity and verification, with the QR code, at the bottom.
        base = MARGIN
        _qr(canvas, data.verification_url, PAGE_WIDTH - MARGIN - QR_SIZE, base, QR_SIZE)
        text_w = width - QR_SIZE - 16
        _draw(canvas, MARGIN, base + 70, _("Valable jusqu'au %(d)s", d=format_date(data.valid_until, "long")),
              FONT_BOLD, 11, text_w)
        _draw(canvas, MARGIN, base + 50, _("Code de vérification : %(code)s", code=data.verification_code), FONT_BOLD,
              12, text_w)
        _draw(canvas, MARGIN, base + 34, _("Vérifiez ce certificat à l'adresse :"), FONT_REGULAR, 9.5, text_w)
        _draw(canvas, MARGIN, base + 20, data.verification_url, FONT_REGULAR, 9.5, text_w)
        canvas.setFillColor(MUTED)
        _draw(canvas, MARGIN, base + 2, _("Le code QR mène à la même page de vérification."), FONT_ITALIC, 8.5, text_w)
        canvas.setFillColor(colors.black)
        canvas.showPage()

    return render_canvas(draw, title=_("Certificat Pix — %(name)s", name=data.holder),
                         subject=data.verification_code, lang=lang)
