"""Shared test helpers: database snapshots and running the importer."""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.db import connection


def database_checksum() -> str:
    """A checksum over every row of every table of the project's apps."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for model in sorted(apps.get_models(), key=lambda m: m._meta.db_table):
            table = connection.ops.quote_name(model._meta.db_table)
            rows = "coalesce(string_agg(t::text, '|' ORDER BY t::text), '')"
            cursor.execute(f"SELECT md5({rows}) FROM {table} t")
            digest.update(model._meta.db_table.encode())
            digest.update(cursor.fetchone()[0].encode())
    return digest.hexdigest()
