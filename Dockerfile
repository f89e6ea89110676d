# KAM CRM: one image for the web server (gunicorn), the Celery worker and Celery beat.
# docker-compose.yml picks the command per service; the default runs the web server.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=kam.settings.production

WORKDIR /app

# Dependencies first, so a source change does not reinstall them. pyproject.toml declares no
# packages: `pip install .` pulls in the dependencies and the project runs from /app.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .

# Translations are compiled in pure Python (no GNU gettext in the image). Static files are
# collected with the production storage (hashed, compressed names served by WhiteNoise). The
# production settings demand a secret and hosts to load at all, so these two steps get
# throwaway values that never reach the running container.
RUN export SECRET_KEY=build-only-not-used-at-run-time ALLOWED_HOSTS=localhost \
    && python manage.py compiletranslations \
    && python manage.py collectstatic --no-input --verbosity 0

RUN useradd --create-home --uid 1000 --user-group kam \
    && mkdir -p /app/var \
    && chown -R kam:kam /app/var
USER kam

EXPOSE 8000
CMD ["gunicorn", "kam.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
