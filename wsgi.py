"""WSGI entry point: `gunicorn wsgi:app`."""

from festa import create_app

app = create_app()
