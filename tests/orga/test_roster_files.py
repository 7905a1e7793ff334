"""Parsing roster files: SIECLE XML (UAJ check, leavers and students without INE skipped, class from STRUCTURE type D,
safe XML) and the SCO CSV (headers with stars/accents, UTF-8 and Windows-1252, every bad line with its reason)."""

from __future__ import annotations

from datetime import date

import pytest

from pix_lti.orga.roster_files import (
    RosterFileError,
    decode_text,
    normalise_header,
    parse_birth_date,
    parse_sco_csv,
    parse_siecle_xml,
)

TODAY = date(2026, 11, 22)
UAI = "0759999X"


def siecle(uai: str = UAI, students: str = "", structures: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<BEE_ELEVES VERSION="3.1">
  <PARAMETRES><UAJ>{uai}</UAJ><ANNEE_SCOLAIRE>2026</ANNEE_SCOLAIRE></PARAMETRES>
  <DONNEES><ELEVES>{students}</ELEVES><STRUCTURES>{structures}</STRUCTURES></DONNEES>
</BEE_ELEVES>""".encode()


def student(eleve_id: str, ine: str = "", last: str = "MARTIN", first: str = "Léa", birth: str = "05/12/2012",
            extra: str = "") -> str:
    ine_tag = f"<ID_NATIONAL>{ine}</ID_NATIONAL>" if ine else ""
    return (f'<ELEVE ELEVE_ID="{eleve_id}">{ine_tag}<NOM_DE_FAMILLE>{last}</NOM_DE_FAMILLE><PRENOM>{first}</PRENOM>'
            f"<PRENOM2>Marie</PRENOM2><DATE_NAISS>{birth}</DATE_NAISS><CODE_SEXE>2</CODE_SEXE>"
            f"<CODE_PAYS>100</CODE_PAYS><CODE_COMMUNE_INSEE_NAISS>75056</CODE_COMMUNE_INSEE_NAISS>"
            f"<CODE_MEF>10110001110</CODE_MEF>{extra}</ELEVE>")


def structure(eleve_id: str, division: str) -> str:
    return (f'<STRUCTURES_ELEVE ELEVE_ID="{eleve_id}">'
            f"<STRUCTURE><CODE_STRUCTURE>G1</CODE_STRUCTURE><TYPE_STRUCTURE>G</TYPE_STRUCTURE></STRUCTURE>"
            f"<STRUCTURE><CODE_STRUCTURE>{division}</CODE_STRUCTURE><TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE>"
            f"</STRUCTURES_ELEVE>")


def test_siecle_reads_students_with_their_class() -> None:
    data = siecle(students=student("1", "123456789AB") + student("2", "", last="SANSINE")
                  + student("3", "223456789AB", extra="<DATE_SORTIE>01/10/2026</DATE_SORTIE>"),
                  structures=structure("1", "4A") + structure("2", "4A") + structure("3", "4B"))
    result = parse_siecle_xml(data, UAI, TODAY)
    assert result.errors == [] and result.skipped == 2  # no INE, and left the school
    (lea,) = result.records
    assert (lea.national_id, lea.last_name, lea.first_name, lea.middle_name) == ("123456789AB", "MARTIN", "Léa", "Marie")
    assert lea.birth_date == date(2012, 12, 5) and lea.division == "4A" and lea.sex == "F"
    assert lea.mef_code == "10110001110" and lea.birth_city_code == "75056" and lea.birth_country_code == "100"


def test_siecle_of_another_school_is_refused() -> None:
    with pytest.raises(RosterFileError, match="0751234A"):
        parse_siecle_xml(siecle(uai="0751234A"), UAI, TODAY)


def test_siecle_lists_every_bad_student() -> None:
    data = siecle(students=student("1", "123456789AB", birth="31/02/2012") + student("2", "323456789AB", first="")
                  + student("3", "123456789AB") + student("4", "423456789AB"),
                  structures=structure("1", "4A") + structure("2", "4A") + structure("3", "4A"))
    result = parse_siecle_xml(data, UAI, TODAY)
    reasons = {e.line: e.reason for e in result.errors}
    assert set(reasons) == {1, 2, 4}
    assert "date de naissance" in reasons[1] and "prénom absent" in reasons[2] and "division" in reasons[4]
    # Line 3 reuses line 1's INE, but line 1 was invalid, so 3 is the first valid one.
    assert [r.national_id for r in result.records] == ["123456789AB"]


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE BEE_ELEVES [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b"<BEE_ELEVES>&b;</BEE_ELEVES>",
    b'<?xml version="1.0"?><!DOCTYPE BEE_ELEVES [<!ENTITY x SYSTEM "file:///etc/passwd">]><BEE_ELEVES>&x;</BEE_ELEVES>',
    b"<BEE_ELEVES><unclosed></BEE_ELEVES>",
    b"<AUTRE/>",
])
def test_unsafe_or_wrong_xml_is_refused(payload: bytes) -> None:
    with pytest.raises(RosterFileError):
        parse_siecle_xml(payload, UAI, TODAY)


SCO_HEADER = ("Identifiant unique*;Premier prénom*;Deuxième prénom;Troisième prénom;Nom de famille*;Nom d’usage;Sexe*;"
              "Date de naissance (jj/mm/aaaa)*;Code commune naissance**;Libellé commune naissance**;"
              "Code département naissance*;Code pays naissance*;Statut*;Code MEF*;Division*")


def sco_line(ine: str, first: str = "Hugo", last: str = "Bernard", birth: str = "21/03/2012", division: str = "4B") -> str:
    return f"{ine};{first};;;{last};;M;{birth};75056;Paris;075;100;ST;10110001110;{division}"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_sco_csv_in_every_encoding(encoding: str) -> None:
    text = "\r\n".join([SCO_HEADER, sco_line("123456789AB", first="Inès", last="Pétit"), ""])
    result = parse_sco_csv(text.encode(encoding), TODAY)
    assert result.errors == []
    (ines,) = result.records
    assert (ines.first_name, ines.last_name, ines.division, ines.status) == ("Inès", "Pétit", "4B", "ST")
    assert ines.birth_date == date(2012, 3, 21) and ines.birth_department_code == "075" and ines.sex == "M"


def test_sco_csv_lists_every_bad_line() -> None:
    lines = [SCO_HEADER, sco_line("123456789AB"), sco_line("SHORT"), sco_line("223456789AB", birth="2012-03-21"),
             sco_line("123456789AB"), sco_line("323456789AB", division=""), sco_line("423456789AB", birth="01/01/2030"),
             ";;;;;;;;;;;;;;"]
    result = parse_sco_csv("\n".join(lines).encode(), TODAY)
    lines_and_reasons = [(e.line, e.reason) for e in result.errors]
    assert [line for line, _ in lines_and_reasons] == [3, 4, 5, 6, 7]
    assert "mal formé" in lines_and_reasons[0][1] and "JJ/MM/AAAA" in lines_and_reasons[1][1]
    assert "déjà présent ligne 2" in lines_and_reasons[2][1] and "division" in lines_and_reasons[3][1]
    assert "date de naissance" in lines_and_reasons[4][1]


def test_sco_csv_without_required_columns() -> None:
    with pytest.raises(RosterFileError, match="division"):
        parse_sco_csv("Identifiant unique;Premier prénom;Nom de famille;Date de naissance\n".encode(), TODAY)
    with pytest.raises(RosterFileError):
        parse_sco_csv(b"", TODAY)


def test_helpers() -> None:
    assert normalise_header("Date de naissance (jj/mm/aaaa)*") == "date de naissance"
    assert normalise_header("Nom d’usage") == "nom d'usage"
    assert decode_text("élève".encode("cp1252")) == "élève" and decode_text("\ufeffélève".encode()) == "élève"
    assert parse_birth_date("5/1/2012", TODAY) == date(2012, 1, 5)
    assert parse_birth_date("29/02/2013", TODAY) is None and parse_birth_date("01/01/1899", TODAY) is None


def test_sup_csv() -> None:
    from pix_lti.orga.roster_files import parse_sup_csv

    text = "\n".join(["Numéro étudiant*;Premier prénom*;Nom de famille*;Date de naissance (jj/mm/aaaa)*;Groupe",
                      "E-2026.001;Chloé;Durand;02/02/2004;L1 Info", "e2026002;Adam;Leroy;15/09/2005;",
                      ";Zoé;Simon;01/01/2005;L1", "E3;Noé;;31/12/2005;L2"])
    result = parse_sup_csv(text.encode("cp1252"), TODAY)
    assert [(r.national_id, r.first_name, r.division) for r in result.records] == [
        ("E-2026.001", "Chloé", "L1 Info"), ("E2026002", "Adam", "")]  # the group is optional
    assert [(e.line, "numéro étudiant" in e.reason or "nom de famille" in e.reason) for e in result.errors] == [
        (4, True), (5, True)]
    with pytest.raises(RosterFileError, match="numero etudiant"):
        parse_sup_csv("Prénom;Nom;Date de naissance\n".encode(), TODAY)
