#!/usr/bin/env python
"""Print the enrichment's accuracy against the labelled fixtures, and every miss.

Usage: .venv/bin/python scripts/accuracy.py [FIXTURES_DIR] [--only KIND]
KIND: main_company, company (missed and extra), event_type or event_date.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.text.accuracy import evaluate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixtures", nargs="?", default=str(ROOT / "fixtures"))
    parser.add_argument("--only", help="show only misses whose kind starts with this")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = evaluate(args.fixtures)
    elapsed = time.perf_counter() - started
    print(report.table())
    print(f"(in {elapsed:.2f}s, including the segmenter's start-up)")
    misses = [m for m in report.misses if not args.only or m.what.startswith(args.only)]
    if misses:
        print(f"\nmisses ({len(misses)}):")
        width = max(len(m.file) for m in misses)
        for m in misses:
            print(f"  {m.file:<{width}}  {m.what:<15} expected {m.expected:<24} got {m.got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
