"""Selection algorithms behind one interface (``Selector``), and a registry by name.

- ``bayesian`` (default): posterior over the level, information gain, confidence stop;
- ``bayesian_irt``: the same with a 2PL answer model (θ per competence) instead of slip/guess;
- ``smart_random``: the public Pix positioning algorithm (baseline);
- ``flash``: the 2PL certification engine (one θ across competences, fixed length).
"""

from __future__ import annotations

from typing import Any

from pix_lti.engine.selection.base import Selector
from pix_lti.engine.selection.bayesian import BayesianSelector
from pix_lti.engine.selection.bayesian_irt import BayesianIrtSelector
from pix_lti.engine.selection.flash import FlashSelector, theta_knowledge, theta_scores
from pix_lti.engine.selection.smart_random import SmartRandomSelector

DEFAULT_SELECTOR = "bayesian"

_REGISTRY: dict[str, type[Any]] = {
    "bayesian": BayesianSelector,
    "bayesian_irt": BayesianIrtSelector,
    "smart_random": SmartRandomSelector,
    "flash": FlashSelector,
}


def selector_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get_selector(name: str = DEFAULT_SELECTOR, **options: Any) -> Selector:
    """A selector by name, configured with keyword options (e.g. ``confidence=0.97``)."""
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown selection algorithm {name!r}; known: {', '.join(_REGISTRY)}") from None
    selector: Selector = cls(**options)
    return selector


__all__ = [
    "DEFAULT_SELECTOR",
    "BayesianIrtSelector",
    "BayesianSelector",
    "FlashSelector",
    "Selector",
    "SmartRandomSelector",
    "get_selector",
    "selector_names",
    "theta_knowledge",
    "theta_scores",
]
