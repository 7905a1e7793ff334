"""Public face of answer checking (issue 4 §1); the implementation lives in ``pix_lti.engine.checking``.

Usage::

    spec = SolutionSpec.qroc(["Marseille"], tolerances={"T1", "T2", "T3"})
    check_answer(spec, " marseile ").result  # "ok" (T1 case/space, T3 one typo in 9 letters)
    check_answer(spec, "", skipped=True).result  # "aband"
"""

from __future__ import annotations

from pix_lti.engine.checking.check import (
    MAX_ANSWER_CHARS,
    MAX_LEVENSHTEIN_CHARS,
    check_answer,
)
from pix_lti.engine.checking.levenshtein import bounded_levenshtein
from pix_lti.engine.checking.normalize import (
    ALL_TOLERANCES,
    T1,
    T2,
    T3,
    apply_t1,
    apply_t2,
    apply_tolerances,
    base_normalize,
)
from pix_lti.engine.checking.numbers import parse_number
from pix_lti.engine.checking.spec import (
    ABAND,
    CHALLENGE_TYPES,
    DEFAULT_TOLERANCES,
    FOCUSED_OUT,
    KO,
    OK,
    PARTIALLY,
    QCM,
    QCU,
    QROC,
    QROCM_DEP,
    QROCM_IND,
    RESULTS,
    TIMEDOUT,
    CheckResult,
    SolutionSpec,
)

__all__ = [
    "ABAND",
    "ALL_TOLERANCES",
    "CHALLENGE_TYPES",
    "DEFAULT_TOLERANCES",
    "FOCUSED_OUT",
    "KO",
    "MAX_ANSWER_CHARS",
    "MAX_LEVENSHTEIN_CHARS",
    "OK",
    "PARTIALLY",
    "QCM",
    "QCU",
    "QROC",
    "QROCM_DEP",
    "QROCM_IND",
    "RESULTS",
    "T1",
    "T2",
    "T3",
    "TIMEDOUT",
    "CheckResult",
    "SolutionSpec",
    "apply_t1",
    "apply_t2",
    "apply_tolerances",
    "base_normalize",
    "bounded_levenshtein",
    "check_answer",
    "parse_number",
]
