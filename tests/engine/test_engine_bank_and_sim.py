"""The synthetic bank's shape and the benchmark's plumbing (not its figures: no timings in tests)."""

from __future__ import annotations

from collections import Counter

from benchmarks import engine_sim
from benchmarks.synthetic_bank import COMPETENCES, make_bank


def test_bank_has_the_pix_like_shape() -> None:
    bank = make_bank(2026)
    stats = bank.stats()
    assert stats["competences"] == 16
    assert 600 <= stats["active_skills"] <= 800
    assert 2500 <= stats["playable_challenges"] <= 3500
    assert 10 <= stats["tubes_per_competence_min"] and stats["tubes_per_competence_max"] <= 25
    assert 0.18 <= stats["missing_level_share"] <= 0.32
    levels = Counter((s.competence, s.level) for s in bank.skills if s.active)
    assert all(levels[(c, lv)] >= 2 for c in COMPETENCES for lv in range(1, 8))
    assert all(1 <= s.level <= 7 for s in bank.skills)
    bank.catalog()  # consistent content (the catalog validates it)


def test_bank_is_deterministic_per_seed() -> None:
    assert make_bank(5) == make_bank(5)
    assert make_bank(5).skills != make_bank(6).skills


def test_quick_benchmark_runs_and_reports_every_engine(capsys) -> None:  # type: ignore[no-untyped-def]
    assert engine_sim.main(["--quick", "--learners", "2", "--no-docs"]) == 0
    out = capsys.readouterr().out
    for name in ("smart_random", "bayesian", "flash"):
        assert f"| slip_guess | {name} |" in out
    assert "θ RMSE" in out and "Information ceiling" in out


def test_write_docs_replaces_only_the_engine_section(tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Web\n\nweb figures\n\n## Engine (issue 4)\n\nold\n\n## Load\n\nload figures\n")
    engine_sim.write_docs("new table", doc)
    text = doc.read_text()
    assert "old" not in text and "new table" in text
    assert "web figures" in text and "load figures" in text
    assert text.index("## Web") < text.index("## Engine") < text.index("## Load")
    engine_sim.write_docs("newer", tmp_path / "fresh.md")
    assert "## Engine (issue 4)\n\nnewer" in (tmp_path / "fresh.md").read_text()
