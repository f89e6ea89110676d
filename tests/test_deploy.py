"""The deployment files agree with the settings: docker-compose.yml, the Dockerfile and the
production settings module.

There is no container engine in the test environment, so the compose file is read as YAML
with compose's own variable substitution rules, and the Dockerfile's project build steps
(translations, static files) and the production system checks are run here directly.
"""

import importlib.util
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path
from urllib.parse import urlsplit

import environ
import pytest
import yaml
from django.conf import settings

from tests.test_settings import clean_env, required_env_names, settings_env_names

BASE_DIR = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ["web", "worker", "beat"]
# Read by Django itself rather than by the settings module.
DJANGO_ENV_NAMES = {"DJANGO_SETTINGS_MODULE"}
TEST_DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kam")


class MissingVariable(Exception):
    pass


_VARIABLE = re.compile(r"\$(?:(?P<dollar>\$)|\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


def interpolate(value: str, environment: dict[str, str]) -> str:
    """Substitute ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error} and $$ as
    docker compose does."""

    def replace(match: re.Match) -> str:
        if match["dollar"]:
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"]
        current = environment.get(name)
        if op == ":-":
            return current or arg
        if op == "-":
            return arg if current is None else current
        if (op == ":?" and not current) or (op == "?" and current is None):
            raise MissingVariable(f"{name}: {arg}")
        return current or ""

    return _VARIABLE.sub(replace, value)


def service_env(service: str, environment: dict[str, str] | None = None) -> dict[str, str]:
    environment = {"SECRET_KEY": "x" * 60} if environment is None else environment
    raw = SERVICES[service].get("environment", {})
    return {name: interpolate(str(value), environment) for name, value in raw.items()}


def command_text(service: str) -> str:
    command = SERVICES[service]["command"]
    return command if isinstance(command, str) else shlex.join(command)


def load_healthcheck_module():
    spec = importlib.util.spec_from_file_location("healthcheck", BASE_DIR / "docker/healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# docker-compose.yml


def test_compose_defines_exactly_the_five_services():
    assert set(SERVICES) == {"postgres", "redis", "web", "worker", "beat"}


@pytest.mark.parametrize("service", ["postgres", "redis", "web", "worker"])
def test_long_running_services_have_a_healthcheck(service):
    healthcheck = SERVICES[service]["healthcheck"]
    assert healthcheck["test"][0] in ("CMD", "CMD-SHELL")
    assert len(healthcheck["test"]) > 1


def test_healthchecks_ask_the_service_itself():
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    assert SERVICES["redis"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]
    assert "docker/healthcheck.py" in SERVICES["web"]["healthcheck"]["test"]
    assert "celery -A kam inspect ping" in " ".join(SERVICES["worker"]["healthcheck"]["test"])


def test_postgres_keeps_its_data_on_a_named_volume():
    volume = next(
        v.split(":")[0]
        for v in SERVICES["postgres"]["volumes"]
        if v.endswith(":/var/lib/postgresql/data")
    )
    assert volume in COMPOSE["volumes"]
    assert SERVICES["postgres"]["image"].startswith("postgres:16")
    assert SERVICES["redis"]["image"].startswith("redis:7")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_set_only_variables_the_settings_read(service):
    unknown = set(SERVICES[service]["environment"]) - settings_env_names() - DJANGO_ENV_NAMES
    assert not unknown, f"{service} sets variables no setting reads: {sorted(unknown)}"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_set_every_production_requirement(service):
    env = service_env(service)
    required = required_env_names("production") | {"DATABASE_URL", "CELERY_BROKER_URL"}
    assert required <= {name for name, value in env.items() if value}
    assert env["DJANGO_SETTINGS_MODULE"] == "kam.settings.production"


def test_app_services_share_one_image_and_environment():
    first = SERVICES["web"]
    for service in APP_SERVICES:
        assert SERVICES[service]["build"] == "."
        assert SERVICES[service]["image"] == first["image"]
        assert SERVICES[service]["environment"] == first["environment"]


def test_compose_refuses_to_start_without_a_secret_key():
    with pytest.raises(MissingVariable, match="SECRET_KEY"):
        service_env("web", {})
    key = secrets.token_urlsafe(50)
    assert service_env("web", {"SECRET_KEY": key})["SECRET_KEY"] == key


def test_database_url_points_at_the_postgres_service():
    database = environ.Env.db_url_config(service_env("web")["DATABASE_URL"])
    postgres = SERVICES["postgres"]["environment"]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["HOST"] == "postgres"
    assert database["PORT"] == 5432
    assert database["USER"] == postgres["POSTGRES_USER"]
    assert database["PASSWORD"] == postgres["POSTGRES_PASSWORD"]
    assert database["NAME"] == postgres["POSTGRES_DB"]
    healthcheck = " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    assert f"-U {postgres['POSTGRES_USER']}" in healthcheck


def test_celery_broker_is_the_redis_service():
    broker = urlsplit(service_env("worker")["CELERY_BROKER_URL"])
    assert broker.scheme == "redis"
    assert broker.hostname == "redis"
    assert broker.port == 6379


def test_local_compose_serves_plain_http_unless_told_otherwise():
    env = environ.Env()
    local = service_env("web")
    assert env.parse_value(local["SECURE_SSL_REDIRECT"], bool) is False
    behind_proxy = service_env("web", {"SECRET_KEY": "x" * 60, "SECURE_SSL_REDIRECT": "1"})
    assert env.parse_value(behind_proxy["SECURE_SSL_REDIRECT"], bool) is True
    assert "localhost" in local["ALLOWED_HOSTS"].split(",")


def test_web_migrates_before_it_serves():
    command = command_text("web")
    assert "manage.py migrate --no-input" in command
    assert "gunicorn kam.wsgi" in command
    assert command.index("migrate") < command.index("gunicorn")
    assert "0.0.0.0:8000" in command
    assert "8000:8000" in SERVICES["web"]["ports"]


def test_worker_and_beat_run_the_kam_celery_app():
    worker, beat = shlex.split(command_text("worker")), shlex.split(command_text("beat"))
    assert worker[:4] == ["celery", "-A", "kam", "worker"]
    assert beat[:4] == ["celery", "-A", "kam", "beat"]
    scheduler = beat[beat.index("--scheduler") + 1]
    assert scheduler == settings.CELERY_BEAT_SCHEDULER


def test_services_start_once_their_dependencies_are_healthy():
    def waits_for(service):
        return {
            name
            for name, condition in SERVICES[service]["depends_on"].items()
            if condition["condition"] == "service_healthy"
        }

    assert waits_for("web") == {"postgres", "redis"}
    # Worker and beat wait for the web service, which is healthy only after migrations.
    assert waits_for("worker") == {"postgres", "redis", "web"}
    assert waits_for("beat") == {"postgres", "redis", "web"}


# Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (BASE_DIR / "Dockerfile").read_text().replace("\\\n", " ")
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_dockerfile_builds_a_production_image():
    instructions = dockerfile_instructions()

    def values(keyword: str) -> list[str]:
        return [arg for kw, arg in instructions if kw == keyword]

    assert re.fullmatch(r"python:3\.1[1-9]-slim", values("FROM")[0])
    assert any("DJANGO_SETTINGS_MODULE=kam.settings.production" in v for v in values("ENV"))
    run = " ".join(values("RUN"))
    assert "pip install ." in run
    assert "manage.py compiletranslations" in run
    assert "manage.py collectstatic --no-input" in run
    assert values("USER") and values("USER")[-1] not in ("root", "0")
    cmd = values("CMD")[-1]
    assert "gunicorn" in cmd and "kam.wsgi" in cmd and "0.0.0.0:8000" in cmd


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = set((BASE_DIR / ".dockerignore").read_text().split())
    assert {".env", ".git", ".venv", "var", "staticfiles"} <= ignored
    assert "README.md" not in ignored  # pyproject.toml names it; `pip install .` reads it


def docker_build_context(dest: Path) -> None:
    """Copy what `docker build` would send: the checkout minus .dockerignore's patterns."""
    patterns = [
        line.strip()
        for line in (BASE_DIR / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(directory: str, names: list[str]) -> set[str]:
        relative = Path(directory).relative_to(BASE_DIR)
        return {
            name
            for name in names
            for pattern in patterns
            if fnmatch((relative / name).as_posix(), pattern)
            or pattern.startswith("**/")
            and fnmatch(name, pattern[3:])
        }

    shutil.copytree(BASE_DIR, dest, ignore=ignored)


def test_dockerfile_build_steps_succeed(tmp_path):
    """Run the Dockerfile's manage.py steps in a copy of the build context, with the image's
    ENV and nothing else the settings read: the production settings must load, translations
    compile and static files collect with the manifest storage (a broken url() fails it)."""
    context = tmp_path / "app"
    docker_build_context(context)
    assert (context / "manage.py").exists()
    assert not (context / ".venv").exists()
    assert not (context / "var").exists()
    instructions = dockerfile_instructions()
    image_env = dict(
        pair.split("=", 1) for kw, arg in instructions if kw == "ENV" for pair in shlex.split(arg)
    )
    env = clean_env(**image_env)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    steps = [arg for kw, arg in instructions if kw == "RUN" and "manage.py" in arg]
    assert steps

    for step in steps:
        result = subprocess.run(
            ["sh", "-c", step], cwd=context, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr

    static = context / "staticfiles"
    assert (static / "staticfiles.json").exists()
    assert list(static.glob("admin/css/base.*.css.gz"))
    for catalogue in context.glob("locale/*/LC_MESSAGES/*.po"):
        assert catalogue.with_suffix(".mo").exists()


# Production settings


def production_env(**overrides: str) -> dict[str, str]:
    values = {
        "DJANGO_SETTINGS_MODULE": "kam.settings.production",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "kam.example.com",
        "DATABASE_URL": TEST_DATABASE_URL,
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
    }
    values.update(overrides)
    return clean_env(**{k: v for k, v in values.items() if v is not None})


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )


def test_production_settings_pass_the_deploy_checks():
    result = run_manage(production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_checks_catch_a_weak_secret_key():
    result = run_manage(
        production_env(SECRET_KEY="short"), "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_settings_refuse_to_start_without(missing):
    result = run_manage(production_env(**{missing: None}), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


# The web healthcheck script


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("kam.example.com,localhost", "kam.example.com"),
        (".example.com", "example.com"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_healthcheck_probes_with_an_allowed_host(allowed_hosts, host):
    assert load_healthcheck_module().probe_host(allowed_hosts) == host


def run_healthcheck(url: str, allowed_hosts: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "docker/healthcheck.py"), url],
        env=clean_env(ALLOWED_HOSTS=allowed_hosts),
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_healthcheck_passes_when_the_sign_in_page_answers(live_server):
    assert run_healthcheck(f"{live_server.url}/login/", "localhost").returncode == 0


def test_healthcheck_fails_when_the_host_is_refused(live_server):
    result = run_healthcheck(f"{live_server.url}/login/", "kam.example.com")
    assert result.returncode == 1
    assert "400" in result.stderr


def test_healthcheck_fails_when_nothing_listens(unused_port):
    result = run_healthcheck(f"http://127.0.0.1:{unused_port}/login/", "localhost")
    assert result.returncode == 1


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
