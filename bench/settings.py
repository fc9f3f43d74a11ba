"""Settings for the benchmarks: production mode (DEBUG off), plus the baseline's URLs.

``bench.run`` points DATABASE_URL at the benchmark database before loading these.
"""

import os

os.environ["DJANGO_DEBUG"] = "0"  # measure what production runs, whatever the shell says
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-secret")  # noqa: S105
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")  # plain HTTP on loopback
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from archive.settings import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
