"""Run the load test: gunicorn on loopback, locust driving simulated reps and managers.

Used by the `loadtest` command (scripts/loadtest). The locust results (its CSV files) are
read back into one table: requests per second, p50 and p95 per page, and errors.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Row:
    page: str
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p95_ms: float


def read_stats(prefix: Path) -> list[Row]:
    """The per-page rows of locust's `<prefix>_stats.csv`, the total last."""
    rows = []
    with open(f"{prefix}_stats.csv", encoding="utf-8") as file:
        for line in csv.DictReader(file):
            name = line["Name"] if line["Type"] else "all pages"
            rows.append(
                Row(
                    page=name,
                    requests=int(line["Request Count"]),
                    failures=int(line["Failure Count"]),
                    rps=round(float(line["Requests/s"]), 1),
                    p50_ms=float(line["50%"] or 0),
                    p95_ms=float(line["95%"] or 0),
                )
            )
    return rows


def failures(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as file:
        return list(csv.DictReader(file))


def table(rows: list[Row]) -> str:
    lines = [f"{'page':<28} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8}"]
    for r in rows:
        lines.append(
            f"{r.page:<28} {r.requests:>9} {r.failures:>7} {r.rps:>7} {r.p50_ms:>8.0f} "
            f"{r.p95_ms:>8.0f}"
        )
    return "\n".join(lines)


def run_locust(
    *,
    hosts: list[str],
    users: int,
    spawn_rate: float,
    seconds: int,
    prefix: Path,
    reps: int,
    managers: int,
    steady: bool = False,
) -> subprocess.CompletedProcess:
    """Run locust headless. With `steady`, the users are all signed in first and the
    measurement starts then, for `seconds`: the sign-in burst of the ramp (a deliberately
    slow password hash for each person) is not what a working floor looks like."""
    env = {
        **os.environ,
        "LOAD_HOSTS": ",".join(hosts),
        "LOAD_REPS": str(reps),
        "LOAD_MANAGERS": str(managers),
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{seconds + (int(users / spawn_rate) + 1 if steady else 0)}s",
        "--host",
        hosts[0],
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "5",
        "--exit-code-on-error",
        "0",
        *(["--reset-stats"] if steady else []),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def start_web(ports: list[int], workers: int) -> list[subprocess.Popen]:
    """One gunicorn per port, each with its own workers, all on the same database and broker."""
    processes = []
    for port in ports:
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "kam.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=os.environ.copy(),
            )
        )
    for port in ports:
        _wait_for(f"http://127.0.0.1:{port}/login/")
    return processes


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")
        time.sleep(0.3)


def stop_web(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def write_results(path: Path, rows: list[Row], setup: dict) -> None:
    path.write_text(
        json.dumps(
            {"setup": setup, "pages": [asdict(r) for r in rows]}, ensure_ascii=False, indent=2
        )
    )
