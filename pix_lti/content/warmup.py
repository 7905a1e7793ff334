"""Warm a server process's content caches before it serves (gunicorn's ``post_worker_init``, config/gunicorn.conf.py).

Each worker builds its caches itself after the fork (``preload_app = False``): without this, a worker started or
recycled by ``max_requests`` pays the engine catalog build and the first version reads on its first student requests.
Never called from ``create_app`` (CLI commands, tests and migrations must not read content at start-up), and a
failure here only logs: the worker then fills its caches on demand, as before.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Flask
from sqlalchemy import select

from pix_lti.content import caches, engine_bridge
from pix_lti.content.models import ContentPack

log = logging.getLogger(__name__)


def warm_content_caches(app: Flask) -> dict[str, int]:
    """Build the engine catalog (and its indexes) of every loaded pack's latest release and read its current
    versions into the app's version cache. Returns what was warmed (packs, versions)."""
    warmed = {"packs": 0, "versions": 0}
    with app.app_context():
        database = app.extensions["pix_lti.db"]
        with database.transaction() as session:
            store = caches.app_caches()
            assert store is not None
            for key in session.scalars(select(ContentPack.key).order_by(ContentPack.id)):
                try:
                    entry = engine_bridge.release_entry(session, key)
                except (engine_bridge.ContentNotLoaded, LookupError):
                    continue  # a pack without a release or without a framework: nothing to warm
                warmed["packs"] += 1
                ids = sorted(entry.version_ids.values())[: caches.VERSION_CACHE_SIZE - len(store.versions)]
                for content in caches.read_versions(session, ids):
                    store.versions.put(content.id, content)
                    warmed["versions"] += 1
    return warmed


def warm_worker(worker: Any) -> None:
    """gunicorn ``post_worker_init`` hook body: warm the worker's app; any failure is logged, never raised."""
    started = time.perf_counter()
    try:
        app = worker.wsgi
        if not isinstance(app, Flask):  # wrapped by a middleware: the app module's own object
            from pix_lti.wsgi import app
        warmed = warm_content_caches(app)
    except Exception:  # noqa: BLE001 - the worker must start anyway; its caches fill on demand
        log.exception("content cache warm-up failed (worker %s); caches will fill on demand", getattr(worker, "pid", "?"))
        return
    log.info("content caches warmed in %.0f ms: %s packs, %s versions", (time.perf_counter() - started) * 1000,
             warmed["packs"], warmed["versions"])
