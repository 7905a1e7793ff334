"""The class's login cards as a printable A4 PDF: a header (school, class, date) on every page, then cut-out cards —
two columns, four rows — with the pupil's name, class, the login address, username and temporary password, and the
reminder to change it at first login; dashed cut lines between cards; "page n / N" at the bottom.

Built from the rows :func:`pix_lti.orga.accounts.generate_class_accounts` just returned, in the same response: nothing
here reads or stores a password. Text goes through :func:`pix_lti.documents.pdf.pdf_text`. Nothing overflows into the
neighbouring card: a long name shrinks, then is cut with an ellipsis; what the pupil must type (address, username,
password) shrinks, then wraps onto more lines — it is never cut."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from pix_lti.documents.pdf import FONT_BOLD, FONT_ITALIC, FONT_REGULAR, fit, pdf_text, render_canvas
from pix_lti.orga.accounts import AccountRow

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 32.0
HEADER_HEIGHT = 62.0
FOOTER_HEIGHT = 24.0
COLUMNS, ROWS = 2, 4
CARDS_PER_PAGE = COLUMNS * ROWS
PADDING = 12.0


@dataclass(frozen=True)
class SheetInfo:
    school: str
    division: str
    date_text: str  # already formatted in the reader's language
    login_url: str


def wrap_chars(text: str, font: str, size: float, width: float) -> list[str]:
    """Hard-wrap ``text`` (no spaces to break at in a username or an address) into lines no wider than ``width``."""
    lines, line = [], ""
    for char in pdf_text(text):
        if line and stringWidth(line + char, font, size) > width:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line] if line or not lines else lines


def _draw_value(canvas: Canvas, x: float, y: float, value: str, font: str, size: float, width: float) -> float:
    """``value`` at ``size`` (shrunk down to 8 pt if needed), wrapped onto more lines if still too wide; never cut.
    Returns the baseline of the last line drawn."""
    value = pdf_text(value)
    fitted_size = size
    while fitted_size > 8 and stringWidth(value, font, fitted_size) > width:
        fitted_size -= 0.5
    lines = wrap_chars(value, font, fitted_size, width)
    for number, line in enumerate(lines):
        if number:
            y -= fitted_size + 2
        canvas.setFont(font, fitted_size)
        canvas.drawString(x, y, line)
    return y


def _draw_fitted(canvas: Canvas, x: float, y: float, text: str, font: str, size: float, width: float, *,
                 min_size: float = 7.0) -> None:
    fitted, fitted_size = fit(text, font, size, width, min_size=min_size)
    canvas.setFont(font, fitted_size)
    canvas.drawString(x, y, fitted)


def _header(canvas: Canvas, info: SheetInfo) -> None:
    top = PAGE_HEIGHT - MARGIN
    width = PAGE_WIDTH - 2 * MARGIN
    _draw_fitted(canvas, MARGIN, top - 14, info.school, FONT_BOLD, 14, width)
    _draw_fitted(canvas, MARGIN, top - 32, _("Comptes de connexion — classe %(d)s", d=info.division), FONT_REGULAR,
                 12, width * 0.62)
    canvas.setFont(FONT_REGULAR, 10)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 32, pdf_text(info.date_text))
    _draw_fitted(canvas, MARGIN, top - 48, _("Découpez les cartes en suivant les pointillés et donnez à chaque élève "
                                             "la sienne. Les mots de passe ne sont plus affichés ensuite."),
                 FONT_ITALIC, 8.5, width)


def _footer(canvas: Canvas, page: int, pages: int) -> None:
    canvas.setFont(FONT_REGULAR, 8.5)
    canvas.drawCentredString(PAGE_WIDTH / 2, MARGIN - 12, pdf_text(_("Page %(n)s / %(total)s", n=page, total=pages)))


def _cut_lines(canvas: Canvas, top: float, card_w: float, card_h: float, count: int) -> None:
    """Dashed lines around and between the cards of this page (only as far down as the last row used)."""
    rows_used = (count + COLUMNS - 1) // COLUMNS
    bottom = top - rows_used * card_h
    canvas.saveState()
    canvas.setDash(4, 3)
    canvas.setLineWidth(0.6)
    canvas.setStrokeGray(0.45)
    for row in range(rows_used + 1):
        y = top - row * card_h
        canvas.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)
    for column in range(COLUMNS + 1):
        x = MARGIN + column * card_w
        canvas.line(x, top, x, bottom)
    canvas.restoreState()


def _card(canvas: Canvas, x: float, y_top: float, width: float, row: AccountRow, info: SheetInfo) -> None:
    inner = width - 2 * PADDING
    left = x + PADDING
    y = y_top - PADDING - 13
    _draw_fitted(canvas, left, y, f"{row.last_name.upper()} {row.first_name}", FONT_BOLD, 13, inner, min_size=9)
    y -= 15
    _draw_fitted(canvas, left, y, _("Classe : %(d)s", d=row.division), FONT_REGULAR, 10, inner)
    y -= 17
    if row.password:
        label = pdf_text(_("Adresse :"))
        canvas.setFont(FONT_REGULAR, 9)
        canvas.drawString(left, y, label)
        offset = stringWidth(label + " ", FONT_REGULAR, 9)
        if stringWidth(pdf_text(info.login_url), FONT_REGULAR, 9) <= inner - offset:
            _draw_value(canvas, left + offset, y, info.login_url, FONT_REGULAR, 9, inner - offset)
        else:
            y = _draw_value(canvas, left, y - 11, info.login_url, FONT_REGULAR, 9, inner)
        for label, value, size in ((_("Identifiant :"), row.username or "", 12),
                                   (_("Mot de passe provisoire :"), row.password, 13)):
            y -= 15
            canvas.setFont(FONT_REGULAR, 9)
            canvas.drawString(left, y, pdf_text(label))
            y = _draw_value(canvas, left + 8, y - size - 2, value, FONT_BOLD, size, inner - 8)
        y -= 18
        _draw_fitted(canvas, left, y, _("Changez votre mot de passe à la première connexion."), FONT_ITALIC, 9,
                     inner)
    else:
        note = _("Compte déjà activé") if row.note == "active" else _("Se connecte par l'ENT")
        if row.username:
            note = f"{note} — {_('identifiant')} {row.username}"
        _draw_fitted(canvas, left, y, note, FONT_ITALIC, 10, inner)


def account_sheet_pdf(rows: Sequence[AccountRow], info: SheetInfo, *, lang: str = "fr") -> bytes:
    """The PDF bytes (at least one page, even for an empty class: it then says so)."""
    card_w = (PAGE_WIDTH - 2 * MARGIN) / COLUMNS
    top = PAGE_HEIGHT - MARGIN - HEADER_HEIGHT
    card_h = (top - MARGIN - FOOTER_HEIGHT) / ROWS
    pages = max(1, (len(rows) + CARDS_PER_PAGE - 1) // CARDS_PER_PAGE)

    def draw(canvas: Canvas) -> None:
        for page in range(pages):
            chunk = rows[page * CARDS_PER_PAGE:(page + 1) * CARDS_PER_PAGE]
            _header(canvas, info)
            if not chunk:
                canvas.setFont(FONT_REGULAR, 11)
                canvas.drawString(MARGIN, top - 20, pdf_text(_("Aucun élève actif dans cette classe.")))
            _cut_lines(canvas, top, card_w, card_h, len(chunk))
            for index, row in enumerate(chunk):
                column, line = index % COLUMNS, index // COLUMNS
                _card(canvas, MARGIN + column * card_w, top - line * card_h, card_w, row, info)
            _footer(canvas, page + 1, pages)
            canvas.showPage()

    return render_canvas(draw, title=_("Comptes de connexion — classe %(d)s", d=info.division),
                         subject=info.school, lang=lang)
