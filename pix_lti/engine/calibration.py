"""Item calibration (issue 4 §6): 2PL parameters from stored answers, by marginal maximum likelihood.

Method.  Bock–Aitkin EM: abilities are integrated out on a fixed quadrature grid under a N(0, 1)
population (this fixes the θ scale: after calibration θ = 0 is the average learner of the data
and 1 is one population SD).  The E-step gives each learner a posterior over the grid; the M-step
maximises, item by item, the expected log-likelihood plus weak Gaussian priors on the slope ``a``
and the intercept ``c = −a b`` (a MAP step that keeps items answered almost always right or wrong
finite).  Newton steps in (a, c) are vectorised over items.

Report.  Per item: a, b, approximate standard errors, the number of answers, the proportion right
and a fit statistic (RMSD between observed and model proportions right on the grid, weighted by
the expected learners at each point; < 0.1 is usually read as good fit).  Items with fewer than
``min_answers`` answers are left out of the estimation and listed in ``too_few``.  Only ``ok``
answers count as right.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from pix_lti.engine.types import AnswerResult

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class ResponseData:
    """Answers in long format: one row per (learner, item) answer."""

    learner: IntArray  # 0..n_learners−1
    item: IntArray  # 0..len(item_ids)−1
    right: NDArray[np.bool_]
    item_ids: tuple[str, ...]
    n_learners: int

    @classmethod
    def from_records(cls, records: Iterable[tuple[Hashable, str, bool | str]]) -> ResponseData:
        """From (learner key, challenge id, right?) triples; ``right`` may be a bool or an answer
        result string ("ok" is right, anything else wrong)."""
        learners: dict[Hashable, int] = {}
        items: dict[str, int] = {}
        li: list[int] = []
        ii: list[int] = []
        rr: list[bool] = []
        for learner, item, right in records:
            li.append(learners.setdefault(learner, len(learners)))
            ii.append(items.setdefault(item, len(items)))
            rr.append(right if isinstance(right, bool) else AnswerResult(right).is_success)
        return cls(
            learner=np.array(li, dtype=np.int64),
            item=np.array(ii, dtype=np.int64),
            right=np.array(rr, dtype=bool),
            item_ids=tuple(items),
            n_learners=len(learners),
        )


@dataclass(frozen=True)
class ItemEstimate:
    item_id: str
    discrimination: float
    difficulty: float
    se_discrimination: float
    se_difficulty: float
    n_answers: int
    p_right: float
    rmsd: float  # item fit


@dataclass(frozen=True)
class CalibrationResult:
    items: tuple[ItemEstimate, ...]
    too_few: tuple[str, ...]  # items with fewer than min_answers answers (not estimated)
    log_likelihood: float  # marginal, at the final parameters
    iterations: int
    converged: bool

    def by_id(self) -> dict[str, ItemEstimate]:
        return {e.item_id: e for e in self.items}

    def misfitting(self, threshold: float = 0.1) -> tuple[str, ...]:
        return tuple(e.item_id for e in self.items if e.rmsd > threshold)


def _segment_sum(values: FloatArray, order: IntArray, starts: IntArray, n_groups: int, present: IntArray) -> FloatArray:
    """Row sums of ``values`` grouped by a key, given the rows sorted by that key (``order``)."""
    out = np.zeros((n_groups,) + values.shape[1:])
    if len(order):
        out[present] = np.add.reduceat(values[order], starts, axis=0)
    return out


def _grouping(keys: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]) if len(keys) else keys
    return order, starts, sorted_keys[starts] if len(keys) else keys


def calibrate(
    data: ResponseData,
    *,
    min_answers: int = 30,
    n_quadrature: int = 41,
    max_iter: int = 500,
    tol: float = 1e-4,
    prior_a: tuple[float, float] = (1.2, 0.8),  # mean, SD of the slope
    prior_c_sd: float = 4.0,
    newton_steps: int = 3,
) -> CalibrationResult:
    """Estimate 2PL (a, b) for every item with at least ``min_answers`` answers."""
    counts = np.bincount(data.item, minlength=len(data.item_ids))
    keep_item = counts >= min_answers
    too_few = tuple(i for i, ok in zip(data.item_ids, keep_item.tolist()) if not ok)
    rows = keep_item[data.item]
    learner, item, right = data.learner[rows], data.item[rows], data.right[rows]
    n_items = len(data.item_ids)

    nodes = np.linspace(-4.0, 4.0, n_quadrature)
    log_w = -0.5 * nodes**2
    log_w -= np.logaddexp.reduce(log_w)

    a = np.full(n_items, prior_a[0])
    # Start b from the proportion right (logit scale), a cheap and stable initial value.
    p_item = np.clip(
        np.bincount(item, weights=right.astype(float), minlength=n_items) / np.maximum(counts, 1), 0.02, 0.98
    )
    c = np.log(p_item / (1 - p_item))  # intercept; refined by the first M-step
    sign = np.where(right, 1.0, -1.0)
    l_order, l_starts, l_present = _grouping(learner)
    i_order, i_starts, i_present = _grouping(item)

    def response_loglik(a_: FloatArray, c_: FloatArray) -> FloatArray:
        z = a_[item][:, None] * nodes[None, :] + c_[item][:, None]
        return -np.logaddexp(0.0, -sign[:, None] * z)  # (responses × nodes)

    converged = False
    loglik = -np.inf
    it = 0
    var_a = prior_a[1] ** 2
    var_c = prior_c_sd**2
    for it in range(1, max_iter + 1):
        # E-step: posterior of each learner over the grid.
        ll = _segment_sum(response_loglik(a, c), l_order, l_starts, data.n_learners, l_present) + log_w
        norm = np.logaddexp.reduce(ll, axis=1)
        new_loglik = float(norm.sum())
        post = np.exp(ll - norm[:, None])
        # Expected counts per item and node.
        resp_post = post[learner]
        n_q = _segment_sum(resp_post, i_order, i_starts, n_items, i_present)
        r_q = _segment_sum(resp_post * right[:, None], i_order, i_starts, n_items, i_present)
        # M-step: Newton on (a, c) with Gaussian priors, vectorised over items.
        a_old, c_old = a.copy(), c.copy()
        for _ in range(newton_steps):
            p = 0.5 * (1 + np.tanh(0.5 * (a[:, None] * nodes[None, :] + c[:, None])))
            resid = r_q - n_q * p
            g_a = (resid * nodes).sum(axis=1) - (a - prior_a[0]) / var_a
            g_c = resid.sum(axis=1) - c / var_c
            wq = n_q * p * (1 - p)
            h_aa = (wq * nodes**2).sum(axis=1) + 1 / var_a
            h_ac = (wq * nodes).sum(axis=1)
            h_cc = wq.sum(axis=1) + 1 / var_c
            det = h_aa * h_cc - h_ac**2
            step_a = (h_cc * g_a - h_ac * g_c) / det
            step_c = (h_aa * g_c - h_ac * g_a) / det
            a = np.clip(a + np.clip(step_a, -1, 1), 0.05, 6.0)
            c = c + np.clip(step_c, -2, 2)
        a = np.where(keep_item, a, a_old)
        c = np.where(keep_item, c, c_old)
        change = max(float(np.abs(a - a_old).max(initial=0)), float(np.abs(c - c_old).max(initial=0)))
        if change < tol and abs(new_loglik - loglik) < tol * max(1.0, abs(new_loglik)):
            loglik = new_loglik
            converged = True
            break
        loglik = new_loglik

    # Standard errors from the M-step information (complete-data approximation) and item fit.
    p = 0.5 * (1 + np.tanh(0.5 * (a[:, None] * nodes[None, :] + c[:, None])))
    wq = n_q * p * (1 - p)
    h_aa = (wq * nodes**2).sum(axis=1) + 1 / var_a
    h_ac = (wq * nodes).sum(axis=1)
    h_cc = wq.sum(axis=1) + 1 / var_c
    det = h_aa * h_cc - h_ac**2
    var_aa, var_cc, cov_ac = h_cc / det, h_aa / det, -h_ac / det
    b = -c / a
    # b = −c/a: delta method with gradient (c/a², −1/a).
    gb_a, gb_c = c / a**2, -1 / a
    var_b = gb_a**2 * var_aa + gb_c**2 * var_cc + 2 * gb_a * gb_c * cov_ac
    with np.errstate(invalid="ignore", divide="ignore"):
        obs = np.where(n_q > 0, r_q / n_q, 0.0)
        rmsd = np.sqrt(((obs - p) ** 2 * n_q).sum(axis=1) / n_q.sum(axis=1))
    n_right = np.bincount(data.item, weights=data.right.astype(float), minlength=n_items)
    estimates = tuple(
        ItemEstimate(
            item_id=data.item_ids[j],
            discrimination=float(a[j]),
            difficulty=float(b[j]),
            se_discrimination=float(np.sqrt(var_aa[j])),
            se_difficulty=float(np.sqrt(max(var_b[j], 0.0))),
            n_answers=int(counts[j]),
            p_right=float(n_right[j] / counts[j]),
            rmsd=float(rmsd[j]),
        )
        for j in np.flatnonzero(keep_item).tolist()
    )
    return CalibrationResult(
        items=estimates, too_few=too_few, log_likelihood=loglik, iterations=it, converged=converged
    )
