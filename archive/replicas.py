"""Read replicas, from the environment: one DATABASES alias per streaming standby.

DATABASE_REPLICA_URLS             comma-separated postgres:// URLs of hot standbys; each
                                  becomes an alias replica_1, replica_2, … (default: none)
DATABASE_REPLICA_CONNECT_TIMEOUT  seconds to wait for a replica's connection (default 1):
                                  a replica that is down costs a page at most this long
DATABASE_REPLICA_MAX_LAG_SECONDS  a replica further behind the primary is skipped (default 5)
DATABASE_REPLICA_HEALTH_SECONDS   how long a process trusts a replica's health (default 2)
DATABASE_REPLICA_PRIMARY_SECONDS  after a signed-in user's write, their pages read the
                                  primary this long (default 30)

Routing is articles.routing; docs/OPERATIONS.md ("Read replicas") has the rules.
"""

from __future__ import annotations

import copy
import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PRIMARY_APPLICATION_NAME = "archive-primary"


def replica_urls() -> list[str]:
    return [
        url.strip() for url in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if url.strip()
    ]


def application_name(alias: str) -> str:
    """What pg_stat_activity and the server's log (%a) show for the alias's connections."""
    return PRIMARY_APPLICATION_NAME if alias == "default" else f"archive-{alias}"


def replica_databases(primary: dict) -> dict[str, dict]:
    """The replicas' DATABASES entries: the primary's OPTIONS, a short connect timeout.

    Each is a test mirror of default, so the test runner creates no database for it.
    """
    timeout = int(os.environ.get("DATABASE_REPLICA_CONNECT_TIMEOUT", "1"))
    databases = {}
    for number, url in enumerate(replica_urls(), start=1):
        alias = f"replica_{number}"
        config = dj_database_url.parse(url, conn_max_age=primary.get("CONN_MAX_AGE", 0))
        if not config.get("ENGINE", "").endswith("postgresql"):
            raise ImproperlyConfigured("DATABASE_REPLICA_URLS must point at PostgreSQL.")
        config["CONN_HEALTH_CHECKS"] = primary.get("CONN_HEALTH_CHECKS", False)
        config["OPTIONS"] = {
            **copy.deepcopy(primary.get("OPTIONS", {})),
            **config.get("OPTIONS", {}),
            "connect_timeout": timeout,
            "application_name": application_name(alias),
        }
        config["TEST"] = {"MIRROR": "default"}
        databases[alias] = config
    return databases


def max_lag_seconds() -> float:
    return float(os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", "5"))


def health_seconds() -> float:
    return float(os.environ.get("DATABASE_REPLICA_HEALTH_SECONDS", "2"))


def primary_after_write_seconds() -> int:
    return int(os.environ.get("DATABASE_REPLICA_PRIMARY_SECONDS", "30"))
