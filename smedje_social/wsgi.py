"""WSGI entry point, for gunicorn: `gunicorn smedje_social.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smedje_social.settings.production")

application = get_wsgi_application()
