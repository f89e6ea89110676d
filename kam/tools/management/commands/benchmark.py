import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from kam.tools import benchmark


class Command(BaseCommand):
    help = (
        "Seed a portfolio at each scale with bulk inserts, then measure p50/p95 and queries "
        "per request for the main pages and the reminder sweep. Empties the domain tables: "
        "run it against a database of its own (scripts/benchmark does)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scales", default="1000,10000", help="Account counts, e.g. 1000,10000"
        )
        parser.add_argument("--requests", type=int, default=50, help="Requests per page (>= 50)")
        parser.add_argument("--sweep-contracts", type=int, default=100_000)
        parser.add_argument("--json", default="benchmark-results/benchmark.json")
        parser.add_argument(
            "--yes", action="store_true", help="Run even if the database name has no 'bench'."
        )

    def handle(self, *args, **options):
        name = str(connection.settings_dict["NAME"])
        if "bench" not in name and not options["yes"]:
            raise CommandError(
                f"This empties the database '{name}'. Point DATABASE_URL at a benchmark "
                "database (its name containing 'bench') or pass --yes."
            )
        try:
            scales = [int(s) for s in options["scales"].split(",") if s.strip()]
        except ValueError as exc:
            raise CommandError("--scales takes whole numbers separated by commas") from exc
        today = timezone.localdate()
        report = {"database": connection.vendor, "today": today.isoformat(), "runs": []}
        for scale in scales:
            self.stdout.write(f"Seeding {scale} accounts ...")
            benchmark.wipe()
            started = timezone.now()
            counts = benchmark.seed(scale, today=today)
            seconds = (timezone.now() - started).total_seconds()
            self.stdout.write(f"  seeded in {seconds:.1f}s: {counts}")
            benchmark.settle_database()
            results = benchmark.measure(scale, runs=options["requests"], today=today)
            if options["sweep_contracts"]:
                total = benchmark.extra_contracts(options["sweep_contracts"], today=today)
                self.stdout.write(f"  contracts topped up to {total} for the sweep")
                benchmark.settle_database()
                results += benchmark.measure_sweep(scale, today=today)
            report["runs"].append(
                {
                    "scale": scale,
                    "seed_seconds": round(seconds, 1),
                    "counts": counts,
                    "results": benchmark.as_rows(results),
                }
            )
            self._table(scale, results)
        path = Path(options["json"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2))
        self.stdout.write(f"Wrote {path}")

    def _table(self, scale, results):
        self.stdout.write("")
        self.stdout.write(f"{'scale':>6}  {'what':<48} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        for r in results:
            flag = "" if r.status == 200 else f"  (HTTP {r.status})"
            self.stdout.write(
                f"{scale:>6}  {r.name:<48} {r.p50_ms:>8} {r.p95_ms:>8} {r.queries:>8}{flag}"
            )
        self.stdout.write("")
