"""WSGI entry point for gunicorn: ``gunicorn pix_lti.wsgi:app``."""

from pix_lti.app import create_app

app = create_app()
