"""Settings for the test suite: the same as production, with a throwaway key."""

import os
import uuid

# Tests run in production mode (DEBUG off), whatever the shell says.
os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")  # noqa: S105
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Generous on a busy CI machine (test database creation, flushes); tests that exercise
# the timeout set their own (tests/hardening/test_db_unavailable.py).
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "30000")
# The test database is made anew each run, its data versions starting over: with
# CACHE_URL set, each run gets a namespace of its own so no old entry matches.
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-run-{uuid.uuid4().hex[:12]}")

from archive.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins
# Hundreds of test imports must not each render pages; tests of warming turn it on.
ARCHIVE_WARM_AFTER_WRITE = False
