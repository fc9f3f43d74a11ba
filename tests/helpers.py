"""Shared test helpers: database snapshots and running the importer."""

from __future__ import annotations

import hashlib
from urllib.parse import quote, urlencode

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


def database_url(dbname: str | None = None) -> str:
    """A DATABASE_URL for a subprocess: the server and user this suite's connection uses.

    Built from the connection's parameters, not HOST and PORT: the embedded server
    (no DATABASE_URL) is reached by a Unix socket given as an option (?host=/…/pgdata).
    """
    params = connection.get_connection_params()
    user = quote(params.get("user") or "postgres", safe="")
    if params.get("password"):
        user += ":" + quote(params["password"], safe="")
    name = quote(dbname or connection.settings_dict["NAME"], safe="")
    host, port = params.get("host") or "localhost", params.get("port") or 5432
    if host.startswith("/"):
        return f"postgres://{user}@/{name}?" + urlencode({"host": host, "port": port})
    return f"postgres://{user}@{host}:{port}/{name}"
