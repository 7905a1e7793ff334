"""Collective analysis of an assessment campaign, from the snapshots participants sent (``results``): mastery by
competence and by tube, a skill × class heatmap (classes from the roster), and the topics to teach first (the tubes
the group masters least). Pure computation over plain data, so 1,000 participants take milliseconds; the view only
loads the snapshots and renders.

A target skill counts as mastered when the snapshot says "validated"; untested skills count as not mastered, as in
each learner's mastery rate."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NO_CLASS = "—"


@dataclass(frozen=True)
class SkillInfo:
    id: str
    name: str
    tube: str
    competence: str
    level: int


@dataclass
class Mastery:
    validated: int = 0
    possible: int = 0

    @property
    def percent(self) -> int:
        return self.validated * 100 // self.possible if self.possible else 0


@dataclass
class TubeRow:
    tube: str
    competence: str
    max_level: int
    mastery: Mastery = field(default_factory=Mastery)
    mean_level: float = 0.0  # mean highest level reached with every lower level validated


@dataclass
class Analysis:
    participants: int
    competences: dict[str, Mastery]
    tubes: list[TubeRow]
    classes: list[str]
    heatmap: dict[str, dict[str, Mastery]]  # skill id → class → mastery
    skills: list[SkillInfo]

    def to_teach_first(self, limit: int = 5) -> list[TubeRow]:
        """The tubes least mastered (below 70 %), weakest first; ties by référentiel order."""
        weak = [t for t in self.tubes if t.mastery.percent < 70]
        return sorted(weak, key=lambda t: t.mastery.percent)[:limit]


def analyse(skills: Sequence[SkillInfo], snapshots: Iterable[tuple[str | None, Mapping[str, Any]]]) -> Analysis:
    """``snapshots``: (class or None, the participation's ``results``) of each shared participation."""
    by_tube: dict[str, list[SkillInfo]] = {}
    for skill in skills:
        by_tube.setdefault(skill.tube, []).append(skill)
    for tube_skills in by_tube.values():
        tube_skills.sort(key=lambda s: s.level)
    competences: dict[str, Mastery] = {}
    tubes = {name: TubeRow(name, items[0].competence, items[-1].level) for name, items in by_tube.items()}
    level_sums: dict[str, int] = dict.fromkeys(by_tube, 0)
    heatmap: dict[str, dict[str, Mastery]] = {s.id: {} for s in skills}
    classes: set[str] = set()
    participants = 0
    for division, results in snapshots:
        participants += 1
        division = division or NO_CLASS
        classes.add(division)
        statuses: Mapping[str, str] = results.get("skills") or {}
        for name, tube_skills in by_tube.items():
            row = tubes[name]
            reached = 0
            still_consecutive = True
            for skill in tube_skills:
                ok = statuses.get(skill.id) == "validated"
                row.mastery.possible += 1
                row.mastery.validated += ok
                comp = competences.setdefault(skill.competence, Mastery())
                comp.possible += 1
                comp.validated += ok
                cell = heatmap[skill.id].setdefault(division, Mastery())
                cell.possible += 1
                cell.validated += ok
                if ok and still_consecutive:
                    reached = skill.level
                else:
                    still_consecutive = False
            level_sums[name] += reached
    for name, row in tubes.items():
        row.mean_level = level_sums[name] / participants if participants else 0.0
    ordered_classes = sorted(classes, key=lambda c: (c == NO_CLASS, c))
    return Analysis(participants=participants, competences=dict(sorted(competences.items())),
                    tubes=sorted(tubes.values(), key=lambda t: (t.competence, t.tube)), classes=ordered_classes,
                    heatmap=heatmap, skills=sorted(skills, key=lambda s: (s.competence, s.tube, s.level)))


# ---------------------------------------------------------------------------------------------------------------------
# The heatmap as SVG (an accessible table follows it on the page; the SVG is aria-hidden-free but titled)

CELL_W, CELL_H, LABEL_W, HEAD_H = 56, 22, 190, 28


def heatmap_svg(analysis: Analysis, title: str) -> str:
    """A grid of skills (rows) × classes (columns), each cell darker the more of the class masters the skill, with
    the percentage written in it (colour is never the only carrier of the value)."""
    from html import escape

    width = LABEL_W + CELL_W * max(1, len(analysis.classes))
    height = HEAD_H + CELL_H * len(analysis.skills)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="heatmap-title" '
             f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="orga-heatmap">',
             f'<title id="heatmap-title">{escape(title)}</title>']
    for col, division in enumerate(analysis.classes):
        x = LABEL_W + col * CELL_W + CELL_W / 2
        parts.append(f'<text x="{x:.0f}" y="18" text-anchor="middle" font-size="12" font-weight="bold">'
                     f"{escape(division)}</text>")
    for row, skill in enumerate(analysis.skills):
        y = HEAD_H + row * CELL_H
        parts.append(f'<text x="4" y="{y + 15}" font-size="12">{escape(skill.name)}</text>')
        for col, division in enumerate(analysis.classes):
            cell = analysis.heatmap[skill.id].get(division)
            x = LABEL_W + col * CELL_W
            if cell is None or not cell.possible:
                parts.append(f'<rect x="{x}" y="{y}" width="{CELL_W - 2}" height="{CELL_H - 2}" fill="#eeeeee"/>')
                continue
            pct = cell.percent
            # Lightness from 95 % (nobody) to 30 % (everybody) on one hue; text switches to white on dark cells.
            lightness = 95 - pct * 65 // 100
            ink = "#ffffff" if lightness < 60 else "#111111"
            parts.append(f'<rect x="{x}" y="{y}" width="{CELL_W - 2}" height="{CELL_H - 2}" '
                         f'fill="hsl(215, 70%, {lightness}%)"/>'
                         f'<text x="{x + (CELL_W - 2) / 2:.0f}" y="{y + 15}" text-anchor="middle" font-size="11" '
                         f'fill="{ink}">{pct} %</text>')
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class SendingProgress:
    learners: int  # learners who sent results at least twice
    first_percent: int  # mean mastery of their first sending
    last_percent: int  # mean mastery of their latest sending


def sending_progress(sendings: Iterable[tuple[int, Any, float]]) -> SendingProgress:
    """``sendings``: (user id, sent at, mastery rate) of every shared participation, older ones included. Only the
    learners with two sendings or more count: the mean of their first and of their latest mastery."""
    by_user: dict[int, list[tuple[Any, float]]] = {}
    for user_id, sent_at, rate in sendings:
        by_user.setdefault(user_id, []).append((sent_at, rate))
    repeated = [sorted(items, key=lambda item: item[0]) for items in by_user.values() if len(items) > 1]
    if not repeated:
        return SendingProgress(0, 0, 0)
    first = sum(items[0][1] for items in repeated) / len(repeated)
    last = sum(items[-1][1] for items in repeated) / len(repeated)
    return SendingProgress(len(repeated), int(first * 100 + 1e-9), int(last * 100 + 1e-9))
