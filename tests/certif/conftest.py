"""Tests here run on a database of their own with the demo pack loaded."""

from tests.conftest import use_demo_database

database_url, database = use_demo_database()
