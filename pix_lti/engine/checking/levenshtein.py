"""Bounded Levenshtein distance for the T3 tolerance.

T3 only needs to know whether the distance is ≤ a small bound k (25% of the variant's length), so
the dynamic programme is restricted to the diagonal band |i − j| ≤ k and stops as soon as every
cell of a row exceeds k: O(len · k) time and O(len) memory instead of O(n · m).
"""

from __future__ import annotations


def bounded_levenshtein(a: str, b: str, max_distance: int) -> int:
    """Return the Levenshtein distance between ``a`` and ``b`` if it is ≤ ``max_distance``,
    otherwise any value > ``max_distance`` (namely ``max_distance + 1``).

    Insertions, deletions and substitutions each cost 1 (no transpositions), on code points.
    """
    if max_distance < 0:
        return 0 if a == b else max_distance + 1
    over = max_distance + 1
    if a == b:
        return 0
    # The length difference is a lower bound of the distance: reject without any table.
    if abs(len(a) - len(b)) > max_distance:
        return over
    if len(a) < len(b):  # iterate over the longer string, keep rows as long as the shorter one
        a, b = b, a
    if not b:
        return len(a)  # ≤ max_distance thanks to the length check above
    width = len(b)
    big = over  # any value > max_distance behaves as "infinity" inside the band
    previous = [j if j <= max_distance else big for j in range(width + 1)]
    for i in range(1, len(a) + 1):
        low = max(1, i - max_distance)
        high = min(width, i + max_distance)
        current = [big] * (width + 1)
        current[0] = i if i <= max_distance else big
        char_a = a[i - 1]
        row_min = current[0]
        for j in range(low, high + 1):
            cost = 0 if char_a == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if value > big:
                value = big
            current[j] = value
            if value < row_min:
                row_min = value
        if row_min > max_distance:
            return over  # every path through this row already costs too much
        previous = current
    result = previous[width]
    return result if result <= max_distance else over
