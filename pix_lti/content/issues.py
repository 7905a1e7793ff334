"""Collecting validation issues with their location (file, entry id, field, line)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pix_lti.content.schema import Issue


@dataclass
class Report:
    """Accumulates every issue instead of stopping at the first one: authors fix a file in one pass."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


@dataclass(frozen=True)
class Where:
    """The location of the entry being checked; ``error``/``warning`` add issues for one of its fields."""

    report: Report
    file: str
    entry: str = ""
    line: int | None = None

    def at(self, entry: str, line: int | None = None) -> Where:
        return Where(self.report, self.file, entry, line if line is not None else self.line)

    def error(self, field_name: str, reason: str, line: int | None = None) -> None:
        self.report.add(Issue(self.file, self.entry, field_name, reason, "error", line or self.line))

    def warning(self, field_name: str, reason: str, line: int | None = None) -> None:
        self.report.add(Issue(self.file, self.entry, field_name, reason, "warning", line or self.line))
