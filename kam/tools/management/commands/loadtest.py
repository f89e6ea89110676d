from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from accounts.models import Account
from kam.core.models import User
from kam.tools import benchmark
from kam.tools.loadtest import run


class Command(BaseCommand):
    help = (
        "Load test: seed the benchmark portfolio (once), start gunicorn on loopback and drive "
        "it with locust (simulated reps and managers, 1-3 s think time). Prints requests per "
        "second, p50 / p95 per page and errors, and writes them to --out. Run it against a "
        "database of its own (scripts/loadtest does)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--spawn-rate", type=float, default=10)
        parser.add_argument("--seconds", type=int, default=60)
        parser.add_argument("--accounts", type=int, default=1000)
        parser.add_argument(
            "--web-processes",
            type=int,
            default=1,
            help="gunicorn processes on consecutive ports from --port, users spread over them",
        )
        parser.add_argument("--workers", type=int, default=2, help="workers per web process")
        parser.add_argument("--port", type=int, default=8811)
        parser.add_argument(
            "--with-ramp",
            action="store_true",
            help="Count the ramp-up too (every user signing in at once); by default the "
            "measurement starts once all users are in",
        )
        parser.add_argument("--out", default="loadtest-results")
        parser.add_argument(
            "--yes", action="store_true", help="Run even if the database name has no 'load'."
        )

    def handle(self, *args, **o):
        name = str(connection.settings_dict["NAME"])
        if "load" not in name and "bench" not in name and not o["yes"]:
            raise CommandError(
                f"This may empty the database '{name}'. Point DATABASE_URL at a load-test "
                "database (its name containing 'load') or pass --yes."
            )
        out = Path(o["out"])
        out.mkdir(parents=True, exist_ok=True)
        self._seed(o["accounts"])
        reps = User.objects.filter(username__startswith="bench-rep-").count()
        managers = User.objects.filter(username__startswith="bench-manager-").count()
        ports = [o["port"] + i for i in range(o["web_processes"])]
        hosts = [f"http://127.0.0.1:{port}" for port in ports]
        self.stdout.write(
            f"Starting {len(ports)} gunicorn process(es) x {o['workers']} workers on {hosts}"
        )
        connection.close()
        web = run.start_web(ports, o["workers"])
        try:
            self.stdout.write(
                f"locust: {o['users']} users for {o['seconds']} s "
                "(the load generator shares this machine's cores)"
            )
            prefix = out / "locust"
            result = run.run_locust(
                hosts=hosts,
                users=o["users"],
                spawn_rate=o["spawn_rate"],
                seconds=o["seconds"],
                prefix=prefix,
                reps=reps,
                managers=managers,
                steady=not o["with_ramp"],
            )
        finally:
            run.stop_web(web)
        if result.returncode not in (0, 1):
            raise CommandError(f"locust failed:\n{result.stderr[-3000:]}")
        rows = run.read_stats(prefix)
        setup = {
            "users": o["users"],
            "seconds": o["seconds"],
            "accounts": o["accounts"],
            "web_processes": len(ports),
            "workers_per_process": o["workers"],
            "ramp_counted": o["with_ramp"],
            "at": timezone.now().isoformat(),
        }
        run.write_results(out / "loadtest.json", rows, setup)
        self.stdout.write("")
        self.stdout.write(run.table(rows))
        for failure in run.failures(prefix)[:10]:
            self.stdout.write(
                f"  error: {failure.get('Name')}: {failure.get('Error')} "
                f"({failure.get('Occurrences')}x)"
            )
        self.stdout.write(f"\nWrote {out / 'loadtest.json'} and {prefix}_*.csv")

    def _seed(self, accounts: int) -> None:
        seeded = Account.objects.count()
        if seeded == accounts and User.objects.filter(username__startswith="bench-rep-").exists():
            self.stdout.write(f"Portfolio of {accounts} accounts already seeded")
            return
        self.stdout.write(f"Seeding {accounts} accounts ...")
        benchmark.wipe()
        benchmark.seed(accounts, today=timezone.localdate())
        benchmark.settle_database()
