"""Every French message of the code and templates has an English translation (run scripts/i18n_update.py to add them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_is_translated_to_english(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), str(ROOT / "pix_lti")],
                   check=True, capture_output=True)
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with (ROOT / "pix_lti/translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        translated = {m.id for m in read_po(fh, locale="en") if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, "untranslated messages (run scripts/i18n_update.py):\n" + "\n".join(missing)
