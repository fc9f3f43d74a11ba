"""Benchmarks: a synthetic corpus generator, the page/throughput harness and a naive baseline.

See ``docs/BENCHMARKS.md``. ``bench.corpus`` is pure code (no Django); ``bench.fastload``
writes a generated corpus straight into PostgreSQL; ``bench.run`` is ``make bench``.
"""
