"""Data shapes of answer checking: what a challenge's solution looks like to the checker, and the result.

The content layer builds a ``SolutionSpec`` from a challenge (docs/content-format.md), choosing the
locale's variants; the checker never sees YAML, the database or the web layer.  Construction
validates the shape and raises ``ValueError`` on impossible specs (unknown type, empty variant
list...), so that bad content fails at load time, never while a student answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from pix_lti.engine.checking.normalize import ALL_TOLERANCES, T1, T2

# Challenge types (same spelling as in content).
QCU: Final = "QCU"
QCM: Final = "QCM"
QROC: Final = "QROC"
QROCM_IND: Final = "QROCM-ind"
QROCM_DEP: Final = "QROCM-dep"
CHALLENGE_TYPES: Final = frozenset({QCU, QCM, QROC, QROCM_IND, QROCM_DEP})

# Answer results (same spelling as the public Pix API, stored as-is with each answer).
OK: Final = "ok"
KO: Final = "ko"
ABAND: Final = "aband"  # skipped ("je passe")
TIMEDOUT: Final = "timedout"  # the challenge's timer ran out
FOCUSED_OUT: Final = "focusedOut"  # the student left the page during a focused challenge
PARTIALLY: Final = "partially"  # some QROCM fields right, only when the spec asks for partial credit
RESULTS: Final = frozenset({OK, KO, ABAND, TIMEDOUT, FOCUSED_OUT, PARTIALLY})

DEFAULT_TOLERANCES: Final = frozenset({T1, T2})  # the content format's default

_EMPTY: Mapping[str, str] = MappingProxyType({})


def _variants(raw: Iterable[str], where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        raise ValueError(f"{where}: expected a list of variants, got a single string")
    variants = tuple(raw)
    if not variants:
        raise ValueError(f"{where}: at least one accepted variant is required")
    for variant in variants:
        if not isinstance(variant, str) or not variant.strip():
            raise ValueError(f"{where}: every variant must be a non-blank string, got {variant!r}")
    return variants


@dataclass(frozen=True, slots=True)
class SolutionSpec:
    """Everything the checker needs to know about one challenge's solution.

    - ``type``: one of ``CHALLENGE_TYPES``.
    - ``choices`` (QCU, QCM): the right proposal indices as strings ``"1".."n"``; QCU has exactly one.
    - ``fields`` (QROC, QROCM-ind): key → accepted variants; QROC uses the single key ``"answer"``.
    - ``groups`` + ``input_keys`` (QROCM-dep): the solution groups and the input keys; each input
      must match a different group, so there are at least as many groups as inputs.
    - ``tolerances``: subset of {"T1", "T2", "T3"} for the free-text types (default T1 + T2).
    - ``numeric``: ``format: number`` — answers and variants compared as numbers.
    - ``partial_credit``: QROCM only; when true an answer with some (not all) right fields is
      ``"partially"`` instead of ``"ko"``.  Default false, as in the public Pix behaviour.
    """

    type: str
    choices: frozenset[str] = frozenset()
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    groups: tuple[tuple[str, ...], ...] = ()
    input_keys: tuple[str, ...] = ()
    tolerances: frozenset[str] = DEFAULT_TOLERANCES
    numeric: bool = False
    partial_credit: bool = False

    def __post_init__(self) -> None:
        # Freeze containers (callers may pass lists/dicts) so that a spec can be shared and cached.
        set_ = object.__setattr__
        if self.type not in CHALLENGE_TYPES:
            raise ValueError(f"unknown challenge type {self.type!r}")
        tolerances = frozenset(self.tolerances)
        if not tolerances <= ALL_TOLERANCES:
            raise ValueError(f"unknown tolerances {sorted(tolerances - ALL_TOLERANCES)}")
        set_(self, "tolerances", tolerances)
        set_(self, "choices", frozenset(str(c) for c in self.choices))
        set_(self, "fields", MappingProxyType({str(k): _variants(v, f"field {k!r}") for k, v in self.fields.items()}))
        set_(self, "groups", tuple(_variants(g, f"group {i + 1}") for i, g in enumerate(self.groups)))
        set_(self, "input_keys", tuple(str(k) for k in self.input_keys))
        if self.type == QCU and len(self.choices) != 1:
            raise ValueError("QCU: exactly one right proposal is required")
        if self.type == QCM and not self.choices:
            raise ValueError("QCM: at least one right proposal is required")
        if self.type in (QCU, QCM) and not all(_is_index(c) for c in self.choices):
            raise ValueError(f"{self.type}: choices must be 1-based indices, got {sorted(self.choices)}")
        if self.type == QROC and set(self.fields) != {"answer"}:
            raise ValueError('QROC: fields must hold exactly the key "answer"')
        if self.type == QROCM_IND and not self.fields:
            raise ValueError("QROCM-ind: at least one field is required")
        if self.type == QROCM_DEP:
            if not self.input_keys or len(set(self.input_keys)) != len(self.input_keys):
                raise ValueError("QROCM-dep: input keys must be non-empty and distinct")
            if len(self.groups) < len(self.input_keys):
                raise ValueError("QROCM-dep: there must be at least as many groups as inputs")

    def __hash__(self) -> int:
        # The generated hash would fail on the mapping proxy; hash a canonical, immutable view.
        return hash(
            (
                self.type,
                self.choices,
                tuple(sorted(self.fields.items())),
                self.groups,
                self.input_keys,
                self.tolerances,
                self.numeric,
                self.partial_credit,
            )
        )

    # Convenience constructors used by the content layer and the tests.
    @classmethod
    def qcu(cls, right: int | str) -> SolutionSpec:
        return cls(QCU, choices=frozenset({str(right)}))

    @classmethod
    def qcm(cls, right: Iterable[int | str]) -> SolutionSpec:
        return cls(QCM, choices=frozenset(str(r) for r in right))

    @classmethod
    def qroc(
        cls, variants: Iterable[str], *, tolerances: Iterable[str] = DEFAULT_TOLERANCES, numeric: bool = False
    ) -> SolutionSpec:
        return cls(QROC, fields={"answer": tuple(variants)}, tolerances=frozenset(tolerances), numeric=numeric)

    @classmethod
    def qrocm_ind(
        cls,
        fields: Mapping[str, Iterable[str]],
        *,
        tolerances: Iterable[str] = DEFAULT_TOLERANCES,
        numeric: bool = False,
        partial_credit: bool = False,
    ) -> SolutionSpec:
        return cls(
            QROCM_IND,
            fields={k: tuple(v) for k, v in fields.items()},
            tolerances=frozenset(tolerances),
            numeric=numeric,
            partial_credit=partial_credit,
        )

    @classmethod
    def qrocm_dep(
        cls,
        groups: Iterable[Iterable[str]],
        input_keys: Iterable[str],
        *,
        tolerances: Iterable[str] = DEFAULT_TOLERANCES,
        numeric: bool = False,
        partial_credit: bool = False,
    ) -> SolutionSpec:
        return cls(
            QROCM_DEP,
            groups=tuple(tuple(g) for g in groups),
            input_keys=tuple(input_keys),
            tolerances=frozenset(tolerances),
            numeric=numeric,
            partial_credit=partial_credit,
        )


def _is_index(text: str) -> bool:
    return text.isascii() and text.isdigit() and not text.startswith("0")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict on one answer.

    ``fields`` maps each QROCM input key to ``"ok"`` or ``"ko"`` (empty for other types and for
    aband/timedout answers).  For QROCM-dep a field is ``"ok"`` when its input is matched to a
    group in a maximum matching (one group per input).
    """

    result: str
    fields: Mapping[str, str] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        if self.result not in RESULTS:
            raise ValueError(f"unknown result {self.result!r}")
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))

    def __hash__(self) -> int:
        return hash((self.result, tuple(sorted(self.fields.items()))))

    @property
    def is_ok(self) -> bool:
        """Only ``ok`` validates a skill; every other result counts as a failure for inference."""
        return self.result == OK
