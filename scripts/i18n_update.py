"""Refresh the message catalogues: extract ``messages.pot``, merge it into ``en/messages.po``, apply translations from
JSON files given on the command line ({"French msgid": "English"}), and report what is still untranslated.

    .venv/bin/python scripts/i18n_update.py [translations.json ...]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "pix_lti" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def main(json_files: list[str]) -> int:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "--no-location", "--sort-output", "-o", str(POT),
                    str(ROOT / "pix_lti")], check=True, capture_output=True)
    with POT.open("rb") as fh:
        template = read_po(fh)
    if PO.exists():
        with PO.open("rb") as fh:
            catalog = read_po(fh, locale="en")
    else:
        from babel.messages.catalog import Catalog

        catalog = Catalog(locale="en", domain="messages")
    catalog.update(template, no_fuzzy_matching=True)
    provided: dict[str, str] = {}
    for name in json_files:
        provided.update(json.loads(Path(name).read_text(encoding="utf-8")))
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.id in provided:
            message.string = provided[message.id]
            message.flags.discard("fuzzy")
    catalog.obsolete.clear()
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=120, omit_header=False, sort_output=True, no_location=True)
    missing = [m.id for m in catalog if m.id and not m.string]
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{len(catalog) - 1} messages, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
