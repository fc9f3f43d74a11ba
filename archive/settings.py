"""Settings, read from the environment.

DATABASE_URL        postgres://user:pass@host:port/name; unset = embedded PostgreSQL in var/
DJANGO_SECRET_KEY   required unless DJANGO_DEBUG is on
DJANGO_DEBUG        1/true/yes for development
DJANGO_ALLOWED_HOSTS  comma-separated host names
DATABASE_CONNECT_TIMEOUT       seconds to wait for a connection (default 3)
DATABASE_STATEMENT_TIMEOUT_MS  cancel a statement after this many ms (0 = never); default
                               5000, but 0 for manage.py commands other than runserver
DATABASE_WORK_MEM   PostgreSQL work_mem per connection (default 64MB; empty = the server's)
CACHE_URL           redis://host:port/db: a cache shared by all processes (archive/cache_config.py)
DATABASE_REPLICA_URLS and DATABASE_REPLICA_*: read replicas, see archive/replicas.py
ARCHIVE_MEDIA_ROOT, ARCHIVE_JOB_*  background jobs and their uploads (archive/jobs_config.py)
See docs/OPERATIONS.md (connections, timeouts) and docs/SECURITY.md.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from archive import jobs_config, replicas
from archive.cache_config import cache_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required in production mode (DJANGO_DEBUG is off). "
            "Set it, or set DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_filters",
    "csp",
    "axes",
    "articles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "archive.language.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "articles.middleware.RejectNulMiddleware",  # after the header middleware: 400s get them
    "articles.routing.ReplicaReadsMiddleware",  # public GETs may read a replica
    "articles.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
]

# Login protection (django-axes): 5 failed logins for one username from one IP
# address lock that pair out for an hour. `manage.py axes_reset` lifts every lockout.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_config() -> dict:
    url = os.environ.get("DATABASE_URL")
    if not url:
        from archive.embedded_db import embedded_database_url

        url = embedded_database_url()
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    options = config.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "3")))
    if timeout := statement_timeout_ms():
        options["options"] = f"{options.get('options', '')} -c statement_timeout={timeout}".strip()
    if work_mem := database_work_mem():
        options["options"] = f"{options.get('options', '')} -c work_mem={work_mem}".strip()
    # JIT compiles a plan costed above jit_above_cost: 150-200 ms spent on a facet query
    # of 1M rows that it did not make faster (docs/BENCHMARKS.md). Pages want no JIT.
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    if not config.get("ENGINE", "").endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL.")
    return config


def statement_timeout_ms() -> int:
    """A runaway query is cancelled (the page becomes a 503) instead of holding a worker.

    Long-running commands (migrate, import_articles, enrich_articles) get no limit unless
    DATABASE_STATEMENT_TIMEOUT_MS is set; web processes (gunicorn, runserver) and tests do.
    """
    if "DATABASE_STATEMENT_TIMEOUT_MS" in os.environ:
        return int(os.environ["DATABASE_STATEMENT_TIMEOUT_MS"])
    command = sys.argv[1] if Path(sys.argv[0]).name == "manage.py" and len(sys.argv) > 1 else ""
    return 0 if command and command != "runserver" else 5000


def database_work_mem() -> str:
    """Memory for one sort, hash or bitmap before PostgreSQL spills or goes lossy.

    At the default 4MB, a common term's bitmap over 1M articles is lossy: every row of
    its pages is re-checked, detoasting each search vector (seconds per facet query;
    docs/BENCHMARKS.md). 64MB keeps it exact. docs/OPERATIONS.md has the arithmetic.
    """
    value = os.environ.get("DATABASE_WORK_MEM", "64MB").strip()
    if value and not re.fullmatch(r"\d+(kB|MB|GB)?", value):
        raise ImproperlyConfigured("DATABASE_WORK_MEM must look like 64MB, 65536kB or 1GB.")
    return value


DATABASES = {"default": database_config()}
# Read replicas (DATABASE_REPLICA_URLS): archive/replicas.py, routed by articles/routing.py.
DATABASES["default"]["OPTIONS"].setdefault("application_name", replicas.application_name("default"))
DATABASES.update(replicas.replica_databases(DATABASES["default"]))
DATABASE_ROUTERS = ["articles.routing.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Each process's memory, or one Redis shared by all with CACHE_URL (archive/cache_config.py).
CACHES = cache_settings(os.environ, DATABASES["default"])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "static"

# Production hardening; each is a no-op in DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): no inline script anywhere, public pages or admin.
# The one inline <style> of Django's admin (change_list.html, a changelist without
# actions) is allowed by its hash; tests/hardening/test_headers.py checks that it matches.
ADMIN_CHANGELIST_STYLE_HASH = "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", ADMIN_CHANGELIST_STYLE_HASH],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a hard-to-undo promise for the whole domain: the operator opts in.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Background jobs (uploads, large re-enrichments, merges): Django's Tasks framework on a
# PostgreSQL queue, run by `manage.py run_worker` (articles/jobs, archive/jobs_config.py).
INSTALLED_APPS += jobs_config.APPS
TASKS = jobs_config.TASKS
MEDIA_ROOT = jobs_config.media_root(BASE_DIR)  # uploads waiting for their job; never served
ARCHIVE_JOB_HEARTBEAT_SECONDS = jobs_config.HEARTBEAT_SECONDS
ARCHIVE_JOB_STALE_SECONDS = jobs_config.STALE_SECONDS
ARCHIVE_JOB_MAX_ATTEMPTS = jobs_config.MAX_ATTEMPTS

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

# After an import or a merge commits, a job renders the pages read first (home, the
# list, top facet values, largest companies) so that their caches are warm; it skips
# unless the caches are shared between processes (articles/warming.py).
ARCHIVE_WARM_AFTER_WRITE = env_bool("ARCHIVE_WARM_AFTER_WRITE", True)
