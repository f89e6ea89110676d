# Shared by scripts/run and scripts/test: a virtual environment in .venv, installed from
# pyproject.toml, re-installed only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
ensure_venv() {
  local extras=$1 stamp=".venv/.installed-$1"
  if [ ! -x .venv/bin/python ]; then
    echo "==> Creating the virtual environment in .venv"
    "$PYTHON" -m venv .venv
  fi
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "==> Installing dependencies ($extras)"
    .venv/bin/python -m pip install --quiet --upgrade pip
    if [ "$extras" = dev ]; then
      .venv/bin/python -m pip install --quiet -e ".[dev]"
    else
      .venv/bin/python -m pip install --quiet -e .
    fi
    touch "$stamp"
  fi
  export PATH="$PWD/.venv/bin:$PATH"
  mkdir -p var
  python manage.py compiletranslations
}
# Create the PostgreSQL database DATABASE_URL names when it does not exist yet.
ensure_database() {
  python - <<'PY'
import os
from urllib.parse import urlparse

import psycopg

url = urlparse(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
admin = url._replace(path="/postgres").geturl()
with psycopg.connect(admin, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"Created database {name}")
PY
}
