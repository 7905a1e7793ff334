"""2PL helpers and the default level → (a, b) mapping."""

from __future__ import annotations

import numpy as np
import pytest

from pix_lti.engine import default_item_parameters
from pix_lti.engine.irt import eap, fisher_information, log_likelihood, p_correct, theta_grid


def test_default_item_parameters() -> None:
    assert default_item_parameters(1) == pytest.approx((1.5, -2.0))
    assert default_item_parameters(4) == pytest.approx((1.5, 0.4))
    assert default_item_parameters(8) == pytest.approx((1.5, 3.6))
    diffs = [default_item_parameters(lv)[1] for lv in range(1, 9)]
    assert np.diff(diffs) == pytest.approx([0.8] * 7)
    for bad in (0, 9):
        with pytest.raises(ValueError):
            default_item_parameters(bad)


def test_p_correct_and_information() -> None:
    assert p_correct(0.5, 2.0, 0.5) == pytest.approx(0.5)
    assert p_correct(1.0, 1.0, 0.0) == pytest.approx(1 / (1 + np.exp(-1)))
    assert p_correct(100.0, 3.0, 0.0) == pytest.approx(1.0)  # no overflow
    grid = np.linspace(-3, 3, 601)
    info = fisher_information(grid, 2.0, 0.7)
    assert grid[int(np.argmax(info))] == pytest.approx(0.7, abs=0.01)
    assert info.max() == pytest.approx(2.0**2 / 4, rel=1e-4)


def test_log_likelihood_and_eap() -> None:
    grid = theta_grid()
    ll = log_likelihood(grid, [1.0, 1.0], [0.0, 0.0], [True, False])
    expected = np.log(p_correct(grid, 1.0, 0.0)) + np.log(1 - p_correct(grid, 1.0, 0.0))
    assert ll == pytest.approx(expected)
    mean, sd = eap(grid, -0.5 * ((grid - 0.3) / 0.5) ** 2)
    assert mean == pytest.approx(0.3, abs=1e-6) and sd == pytest.approx(0.5, abs=1e-3)
