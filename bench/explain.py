"""Which queries make a page slow: ``python -m bench.explain URL [URL …]``.

Requests each URL once through the Django stack (bench settings, the benchmark
database as ``bench.run`` picks it), then runs ``EXPLAIN (ANALYZE, BUFFERS)`` on every
query the page ran and prints them slowest first, with the plan of the slowest few.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--plans", type=int, default=3, help="plans to print per URL")
    parser.add_argument(
        "--cold", action="store_true", help="empty the aggregate and page caches first"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench.environment import bench_database_url

    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "0")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for url in args.urls:
        client.get(url)  # warm
        if args.cold:
            from bench.timing import _empty_caches

            _empty_caches()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if response.streaming:
                for _ in response.streaming_content:
                    pass
        timed = []
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
                total = float(plan[-1].split(":")[1].split()[0])  # "Execution Time: x ms"
                timed.append((total, sql, plan))
        timed.sort(key=lambda t: -t[0])
        print(
            f"== {url}: {len(captured.captured_queries)} queries, "
            f"{sum(t for t, _, _ in timed):.1f} ms executing (EXPLAIN ANALYZE)"
        )
        for total, sql, _ in timed:
            print(f"  {total:9.1f} ms  {sql[:160]}")
        for total, sql, plan in timed[: args.plans]:
            print(f"\n-- {total:.1f} ms: {sql[:2000]}")
            print("\n".join(plan))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
