"""URL converters. ``<int:…>`` in every route is a database id: the INTEGER columns stop at 2**31 − 1, and a larger
number in a URL would reach PostgreSQL and fail there (a 500). Bounding the converter makes such a URL match no route:
a plain 404, for every feature at once."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


def init_converters(app: Flask) -> None:
    """Must run before any blueprint is registered (rules compile their converters when added)."""
    app.url_map.converters["int"] = DatabaseIdConverter
