"""WSGI entry point (``gunicorn urikake.wsgi``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")
application = get_wsgi_application()
