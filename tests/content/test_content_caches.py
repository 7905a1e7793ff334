"""Per-process content caches of the student pages: a version's content read once, the rendered challenge body cached
per (version, content locale, interface locale) and identical to the template's own rendering."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from flask import Flask, render_template_string
from flask_babel import force_locale
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from tests.content.packfactory import write_pack

from pix_lti.content import caches, templating
from pix_lti.content.loader import load_pack_folder
from pix_lti.content.models import ChallengeVersion

_MACRO = '{% import "content/_challenge_form.html" as cf with context %}{{ cf.challenge_body(version, locale) }}'


def _statements(session: Session) -> list[str]:
    seen: list[str] = []
    event.listen(session.connection(), "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_version_content_is_read_once_and_matches_the_row(app: Flask, db_session: Session, tmp_path: Path) -> None:
    load_pack_folder(db_session, write_pack(tmp_path))
    assert caches.app_caches() is None  # outside an app: read every time, nothing kept
    with app.app_context():
        _read_once(db_session)


def _read_once(db_session: Session) -> None:
    for version in db_session.scalars(select(ChallengeVersion)):
        content = caches.version_content(db_session, version.id)
        assert all(getattr(content, f.name) == getattr(version, f.name) for f in fields(caches.VersionContent))
    some = db_session.scalars(select(ChallengeVersion.id)).first()
    assert some is not None
    seen = _statements(db_session)
    assert caches.version_content(db_session, some) is caches.version_content(db_session, some)
    assert seen == []  # served from memory
    fresh = caches.read_version(db_session, some)
    assert fresh == caches.version_content(db_session, some) and fresh is not caches.version_content(db_session, some)


def test_version_cache_is_per_app_and_bounded(app: Flask, db_session: Session, tmp_path: Path) -> None:
    lru: caches.LRU[int] = caches.LRU(2)
    lru.put("a", 1), lru.put("b", 2)
    assert lru.get("a") == 1  # a is now the most recent
    lru.put("c", 3)
    assert lru.get("b") is None and lru.get("a") == 1 and lru.get("c") == 3 and len(lru) == 2
    load_pack_folder(db_session, write_pack(tmp_path))
    version_id = db_session.scalars(select(ChallengeVersion.id)).first()
    assert version_id is not None
    with app.app_context():
        caches.version_content(db_session, version_id)
        assert caches.app_caches() is app.extensions["pix_lti.content_caches"]
        assert len(app.extensions["pix_lti.content_caches"].versions) == 1
    with Flask("other").app_context():  # another app (a test's, a worker's) starts empty
        assert caches.app_caches() is not app.extensions["pix_lti.content_caches"]


def test_cached_body_is_the_templates_own_rendering(app: Flask, db_session: Session, tmp_path: Path) -> None:
    load_pack_folder(db_session, write_pack(tmp_path))
    versions = list(db_session.scalars(select(ChallengeVersion)))
    assert {v.type for v in versions} >= {"QCU", "QCM", "QROC", "QROCM-ind", "QROCM-dep"}
    for ui in ("fr", "en"):
        with app.test_request_context("/"), force_locale(ui):
            for version in versions:
                for locale in version.locales:
                    content = caches.version_content(db_session, version.id)
                    body = templating.challenge_body_html(content, locale)
                    assert body == render_template_string(_MACRO, version=version, locale=locale)
                    assert templating.challenge_body_html(content, locale) is body  # cached
    with app.test_request_context("/"), force_locale("fr"):
        fr = templating.challenge_body_html(caches.version_content(db_session, versions[0].id), versions[0].locales[0])
    with app.test_request_context("/"), force_locale("en"):
        en = templating.challenge_body_html(caches.version_content(db_session, versions[0].id), versions[0].locales[0])
    assert fr != en  # the interface locale is part of the key (notices, legends)


def test_worker_warm_up_builds_the_catalog_and_reads_the_current_versions(app: Flask, db_session: Session,
                                                                         tmp_path: Path) -> None:
    from pix_lti.content import engine_bridge, warmup

    load_pack_folder(db_session, write_pack(tmp_path))
    db_session.commit()  # the warm-up reads in a session of its own (inside the test's outer transaction)
    warmed = warmup.warm_content_caches(app)
    assert warmed == {"packs": 1, "versions": 5}
    with app.app_context():
        store = caches.app_caches()
        assert store is not None and len(store.versions) == warmed["versions"]
        entry = engine_bridge.release_entry(db_session, "mini")
        some = next(iter(entry.version_ids.values()))
        seen = _statements(db_session)
        caches.version_content(db_session, some)
        assert seen == []  # already in memory


def test_worker_warm_up_failure_only_logs(caplog) -> None:  # noqa: ANN001
    from pix_lti.content import warmup

    class BrokenWorker:
        pid = 1234

        @property
        def wsgi(self) -> Flask:
            raise RuntimeError("database down")

    warmup.warm_worker(BrokenWorker())  # does not raise
    assert "warm-up failed" in caplog.text
