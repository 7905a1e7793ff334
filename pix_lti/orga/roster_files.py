"""Reading roster files into learner records, without touching the database: the SIECLE XML export (``BEE_ELEVES``)
and the SCO CSV. Every bad line is collected with its reason (the import then changes nothing); a problem with the
whole file (wrong UAJ, unreadable XML, missing columns) is a ``RosterFileError``.

XML is parsed by defusedxml with DTDs forbidden: no external entities, no entity expansion bombs. Text files are
read as UTF-8 (with or without BOM) and, failing that, as Windows-1252 (what spreadsheets on school PCs write).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

NATIONAL_ID_RE = re.compile(r"[0-9A-Z]{11}")  # the INE: 11 characters (digits and letters)
STUDENT_NUMBER_RE = re.compile(r"[0-9A-Z][0-9A-Z_.\-]{0,63}")  # higher education: the institution's own numbers
MAX_NAME = 255


class RosterFileError(ValueError):
    """The file as a whole cannot be imported (the message says why)."""


@dataclass(frozen=True)
class LearnerRecord:
    national_id: str
    first_name: str
    last_name: str
    birth_date: date
    division: str
    middle_name: str = ""
    third_name: str = ""
    preferred_last_name: str = ""
    sex: str = ""
    birth_city_code: str = ""
    birth_city: str = ""
    birth_department_code: str = ""
    birth_country_code: str = ""
    status: str = ""
    mef_code: str = ""


@dataclass(frozen=True)
class LineError:
    line: int  # 1-based line of the CSV (header = 1), or the rank of the student in the XML
    national_id: str
    reason: str


@dataclass
class ParseResult:
    records: list[LearnerRecord] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    skipped: int = 0  # students left out on purpose (left the school, no national id, no class)


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) or else Windows-1252; every byte sequence decodes one way or the other."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_birth_date(raw: str, today: date) -> date | None:
    """``DD/MM/YYYY`` (one-digit day/month tolerated), a real date between 1900 and today."""
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw.strip())
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    return value if date(1900, 1, 1) <= value <= today else None


def _clean(value: str | None) -> str:
    return " ".join((value or "").split())


def _sex(raw: str) -> str:
    value = raw.strip().upper()
    return {"1": "M", "M": "M", "2": "F", "F": "F"}.get(value, "")


class _Checker:
    """Per-line validation shared by both formats; remembers national ids to catch duplicates."""

    def __init__(self, today: date, *, id_pattern: re.Pattern[str] = NATIONAL_ID_RE, division_required: bool = True):
        self.today = today
        self.id_pattern = id_pattern
        self.division_required = division_required
        self.seen: dict[str, int] = {}
        self.result = ParseResult()

    def add(self, line: int, fields: dict[str, str]) -> None:
        national_id = fields.get("national_id", "").strip().upper()
        reasons: list[str] = []
        if not self.id_pattern.fullmatch(national_id):
            reasons.append("identifiant national absent ou mal formé (11 chiffres et lettres attendus)"
                           if self.id_pattern is NATIONAL_ID_RE else "numéro étudiant absent ou mal formé")
        elif national_id in self.seen:
            reasons.append(f"identifiant national déjà présent ligne {self.seen[national_id]}")
        first_name, last_name = _clean(fields.get("first_name")), _clean(fields.get("last_name"))
        if not first_name:
            reasons.append("prénom absent")
        if not last_name:
            reasons.append("nom de famille absent")
        if any(len(_clean(fields.get(k))) > MAX_NAME for k in ("first_name", "last_name", "middle_name",
                                                                "third_name", "preferred_last_name")):
            reasons.append("nom ou prénom trop long")
        birth_date = parse_birth_date(fields.get("birth_date", ""), self.today)
        if birth_date is None:
            reasons.append(f"date de naissance invalide « {fields.get('birth_date', '').strip()} » (JJ/MM/AAAA)")
        division = _clean(fields.get("division"))
        if not division and self.division_required:
            reasons.append("division (classe) absente")
        elif len(division) > 64:
            reasons.append("division trop longue")
        if reasons:
            self.result.errors.append(LineError(line, national_id, " ; ".join(reasons)))
            return
        assert birth_date is not None
        self.seen[national_id] = line
        self.result.records.append(LearnerRecord(
            national_id=national_id, first_name=first_name, last_name=last_name, birth_date=birth_date,
            division=division, middle_name=_clean(fields.get("middle_name")),
            third_name=_clean(fields.get("third_name")), preferred_last_name=_clean(fields.get("preferred_last_name")),
            sex=_sex(fields.get("sex", "")), birth_city_code=_clean(fields.get("birth_city_code"))[:10],
            birth_city=_clean(fields.get("birth_city"))[:255],
            birth_department_code=_clean(fields.get("birth_department_code"))[:10],
            birth_country_code=_clean(fields.get("birth_country_code"))[:10],
            status=_clean(fields.get("status"))[:8], mef_code=_clean(fields.get("mef_code"))[:32]))


# ---------------------------------------------------------------------------------------------------------------------
# SIECLE XML (BEE_ELEVES)

_XML_FIELDS = {"ID_NATIONAL": "national_id", "NOM_DE_FAMILLE": "last_name", "NOM_USAGE": "preferred_last_name",
               "PRENOM": "first_name", "PRENOM2": "middle_name", "PRENOM3": "third_name", "DATE_NAISS": "birth_date",
               "CODE_SEXE": "sex", "CODE_PAYS": "birth_country_code", "CODE_DEPARTEMENT_NAISS": "birth_department_code",
               "CODE_COMMUNE_INSEE_NAISS": "birth_city_code", "VILLE_NAISS": "birth_city", "CODE_MEF": "mef_code"}


def parse_siecle_xml(data: bytes, uai: str, today: date) -> ParseResult:
    """Students of ``BEE_ELEVES`` whose school (``PARAMETRES/UAJ``) is ``uai``: those with an ``ID_NATIONAL`` and no
    ``DATE_SORTIE``, their class being the ``STRUCTURE`` of type ``D``. Others are counted as skipped."""
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, SafeET.ParseError) as exc:
        raise RosterFileError(f"fichier XML illisible ou refusé ({exc.__class__.__name__})") from exc
    if root.tag != "BEE_ELEVES":
        raise RosterFileError("ce n'est pas un export SIECLE « ElevesSansAdresses » (BEE_ELEVES attendu)")
    uaj = (root.findtext("PARAMETRES/UAJ") or "").strip().upper()
    if uaj != uai.upper():
        raise RosterFileError(f"le fichier est celui de l'établissement {uaj or '(inconnu)'}, pas de {uai}")
    divisions: dict[str, str] = {}
    for holder in root.iterfind("DONNEES/STRUCTURES/STRUCTURES_ELEVE"):
        for structure in holder.iterfind("STRUCTURE"):
            if (structure.findtext("TYPE_STRUCTURE") or "").strip() == "D":
                divisions[holder.get("ELEVE_ID", "")] = (structure.findtext("CODE_STRUCTURE") or "").strip()
    checker = _Checker(today)
    for rank, student in enumerate(root.iterfind("DONNEES/ELEVES/ELEVE"), start=1):
        if (student.findtext("DATE_SORTIE") or "").strip() or not (student.findtext("ID_NATIONAL") or "").strip():
            checker.result.skipped += 1
            continue
        fields = {name: (student.findtext(tag) or "") for tag, name in _XML_FIELDS.items()}
        fields["division"] = divisions.get(student.get("ELEVE_ID", ""), "")
        checker.add(rank, fields)
    return checker.result


# ---------------------------------------------------------------------------------------------------------------------
# SCO CSV

_CSV_COLUMNS = {  # normalised header → field; "required" columns must be present
    "identifiant unique": "national_id", "premier prenom": "first_name", "deuxieme prenom": "middle_name",
    "troisieme prenom": "third_name", "nom de famille": "last_name", "nom d'usage": "preferred_last_name",
    "sexe": "sex", "date de naissance": "birth_date", "code commune naissance": "birth_city_code",
    "libelle commune naissance": "birth_city", "code departement naissance": "birth_department_code",
    "code pays naissance": "birth_country_code", "statut": "status", "code mef": "mef_code", "division": "division",
}
_CSV_REQUIRED = ("national_id", "first_name", "last_name", "birth_date", "division")


def normalise_header(raw: str) -> str:
    """``Date de naissance (jj/mm/aaaa)*`` → ``date de naissance``: no accents, case, stars or parentheses."""
    text = unicodedata.normalize("NFKD", raw.replace("’", "'")).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\(.*?\)|\*", "", text)
    return " ".join(text.split())


_SUP_COLUMNS = {
    "numero etudiant": "national_id", "premier prenom": "first_name", "prenom": "first_name",
    "deuxieme prenom": "middle_name", "troisieme prenom": "third_name", "nom de famille": "last_name",
    "nom": "last_name", "nom d'usage": "preferred_last_name", "date de naissance": "birth_date", "groupe": "division",
}
_SUP_REQUIRED = ("national_id", "first_name", "last_name", "birth_date")


def parse_sco_csv(data: bytes, today: date) -> ParseResult:
    return _parse_csv(data, _CSV_COLUMNS, _CSV_REQUIRED, _Checker(today))


def parse_sup_csv(data: bytes, today: date) -> ParseResult:
    """Higher education: student number (the institution's), names, birth date and an optional group."""
    return _parse_csv(data, _SUP_COLUMNS, _SUP_REQUIRED,
                      _Checker(today, id_pattern=STUDENT_NUMBER_RE, division_required=False))


def _parse_csv(data: bytes, columns: dict[str, str], required: tuple[str, ...], checker: _Checker) -> ParseResult:
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise RosterFileError("le fichier est vide") from None
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        key = columns.get(normalise_header(name))
        if key is not None and key not in positions:
            positions[key] = index
    missing = sorted({name for name, key in columns.items() if key in required and key not in positions})
    if missing:
        raise RosterFileError("colonnes obligatoires absentes : " + ", ".join(missing))
    for line_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines spreadsheets leave at the end
        checker.add(line_number, {key: row[i] if i < len(row) else "" for key, i in positions.items()})
    return checker.result


def sorted_errors(errors: Iterable[LineError]) -> list[LineError]:
    return sorted(errors, key=lambda e: e.line)
