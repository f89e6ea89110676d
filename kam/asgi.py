import os

from django.core.asgi import get_asgi_application

from kam.core.runtime import settle_heap

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings.base")
application = get_asgi_application()
settle_heap()
