import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bench.corpus import COMPANIES_PATH, Corpus


class Command(BaseCommand):
    help = (
        "Generate N deterministic synthetic article records (seed .txt format): "
        "--out DIR writes files for the importer, --db writes them straight into the "
        "database for the query benchmarks. See docs/BENCHMARKS.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, help="number of records")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--out", type=Path, help="write files of 1,000 records into DIR")
        target.add_argument(
            "--db", action="store_true", help="write into the database (fast path, COPY)"
        )
        parser.add_argument(
            "--truncate",
            action="store_true",
            help="with --db: first empty the article, tag and event tables (destructive)",
        )
        parser.add_argument(
            "--workers", type=int, default=2, help="with --db: enrichment processes (default 2)"
        )
        parser.add_argument(
            "--copies",
            type=int,
            default=1,
            help="with --db: generate N/COPIES records and copy each COPIES times "
            "(the 1M benchmark corpus; see bench/replicate.py)",
        )
        parser.add_argument(
            "--companies", type=Path, default=COMPANIES_PATH, help="company dictionary JSON"
        )

    def handle(self, *args, n, seed, out, db, truncate, workers, companies, copies, **options):
        if n < 1:
            raise CommandError("N must be at least 1")
        started = time.monotonic()
        if copies < 1 or (out is not None and copies != 1):
            raise CommandError("--copies must be >= 1, and only with --db")
        corpus = Corpus(n, seed, companies, copies=copies)

        def log(message: str) -> None:
            self.stderr.write(message)
            self.stderr.flush()

        if out is not None:
            last = [started]

            def progress(done: int) -> None:
                if time.monotonic() - last[0] > 5 or done == n:
                    rate = done / (time.monotonic() - started)
                    log(f"  {done:,}/{n:,} records written ({rate:,.0f} records/s)")
                    last[0] = time.monotonic()

            paths = corpus.write_files(out, progress=progress)
            seconds = time.monotonic() - started
            self.stdout.write(
                f"wrote {n:,} records into {len(paths)} files in {out} in {seconds:.1f} s"
            )
            return

        from bench.fastload import load_corpus

        try:
            report = load_corpus(corpus, workers=workers, truncate=truncate, log=log)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(report.summary())
        sys.stdout.flush()
