"""The certificate PDF (issue 9 §7): one page, fonts embedded, text with the code and score, in French and English."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pypdfium2
from flask import Flask
from flask_babel import force_locale

from pix_lti.certif.certificate_pdf import (
    CertificateCompetence,
    CertificateData,
    CertificateDomain,
    certificate_pdf,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

DOMAINS = (
    CertificateDomain("1", "Information et données", (
        CertificateCompetence("1.1", "Mener une recherche et une veille d'information", 3),
        CertificateCompetence("1.2", "Gérer des données", 2),
        CertificateCompetence("1.3", "Traiter des données", -1))),
    CertificateDomain("2", "Communication et collaboration", tuple(
        CertificateCompetence(f"2.{n}", f"Compétence 2.{n} au nom assez long pour devoir être réduit à la largeur", n)
        for n in range(1, 5))),
    CertificateDomain("3", "Création de contenus", tuple(CertificateCompetence(f"3.{n}", f"Créer 3.{n}", 1)
                                                         for n in range(1, 5))),
    CertificateDomain("4", "Protection et sécurité", tuple(CertificateCompetence(f"4.{n}", f"Protéger 4.{n}", 4)
                                                           for n in range(1, 4))),
    CertificateDomain("5", "Environnement numérique", tuple(CertificateCompetence(f"5.{n}", f"Résoudre 5.{n}", 5)
                                                            for n in range(1, 3))),
)
DATA = CertificateData(
    first_name="Léa", last_name="N'Diaye-Lefèvre", birth_date=date(2010, 3, 21), pix_score=312, domains=DOMAINS,
    certified_on=date(2026, 3, 12), centre="Collège Marie-Curie", valid_until=date(2029, 3, 12),
    verification_code="P-7KXM3RQA", verification_url="https://pix.example.fr/verification/P-7KXM3RQA")


def pdf_text(data: bytes) -> tuple[int, str]:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return len(pdf), "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def test_certificate_pdf_in_french(app: Flask) -> None:
    with app.test_request_context("/"), force_locale("fr"):
        data = certificate_pdf(DATA)
    assert data.startswith(b"%PDF") and b"/FontFile2" in data  # TrueType fonts embedded
    pages, text = pdf_text(data)
    assert pages == 1
    assert "P-7KXM3RQA" in text and "312" in text and "pix sur 1024" in text
    assert "Léa N'DIAYE-LEFÈVRE" in text and "21 mars 2010" in text
    assert "Valable jusqu'au 12 mars 2029" in text and "Collège Marie-Curie" in text
    assert "https://pix.example.fr/verification/P-7KXM3RQA" in text
    assert "Niveau 3" in text and "Non certifiée" in text and "Environnement numérique" in text
    assert certificate_pdf.__module__  # same input, same bytes (invariant output)
    with app.test_request_context("/"), force_locale("fr"):
        assert certificate_pdf(DATA) == data
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = pypdfium2.PdfDocument(data)
    try:
        pdf[0].render(scale=1.5).to_pil().save(ARTIFACTS / "certif-certificate-page1.png")
    finally:
        pdf.close()


def test_certificate_pdf_in_english(app: Flask) -> None:
    with app.test_request_context("/"), force_locale("en"):
        data = certificate_pdf(DATA, lang="en")
    _, text = pdf_text(data)
    assert "Pix digital skills certificate" in text and "Valid until March 12, 2029" in text
    assert "Verification code: P-7KXM3RQA" in text and "Level 3" in text and "Not certified" in text
