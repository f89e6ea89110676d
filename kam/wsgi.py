import os

from django.core.wsgi import get_wsgi_application

from kam.core.runtime import settle_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings.base")
application = get_wsgi_application()
settle_heap()
