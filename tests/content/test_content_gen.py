"""The synthetic bank generator writes a pack that the real validator accepts, with the issue's shape."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from pix_lti.content.reader import read_pack

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_generated_pack_validates_with_the_expected_shape(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import content_gen
        from synthetic_bank import make_bank
    finally:
        sys.path.remove(str(BENCHMARKS))
    written = content_gen.write_pack(make_bank(7), tmp_path / "pack")
    pack, report = read_pack(tmp_path / "pack")
    assert report.errors == [], "\n".join(map(str, report.errors[:10]))
    assert pack is not None and written["challenges"] == len(pack.challenges)
    assert len(pack.competences) == 16 and 600 <= len(pack.skills) <= 850 and 2500 <= len(pack.challenges) <= 3600
    tubes_per_comp = Counter(t.competence_source_id for t in pack.tubes)
    assert min(tubes_per_comp.values()) >= 10 and max(tubes_per_comp.values()) <= 25
    assert {s.level for s in pack.skills} == set(range(1, 8))
    assert set(Counter(c.type for c in pack.challenges)) == {"QCU", "QCM", "QROC", "QROCM-ind", "QROCM-dep"}
    assert all(c.irt_discrimination is not None for c in pack.challenges)
