"""Answer checking, split by concern: normalisation, numbers, bounded Levenshtein, spec shapes, verdicts.

Import the public names from ``pix_lti.engine.checker``.
"""
