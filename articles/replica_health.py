"""Whether each read replica may serve reads now: up, and not too far behind the primary.

Checked at most every DATABASE_REPLICA_HEALTH_SECONDS per process (not one extra query
per request), with the replica's short connect timeout.

Lag is measured in WAL positions, not by ``now() - pg_last_xact_replay_timestamp()``
alone: on an idle primary that age grows without any lag. The primary's position is
read first, then the replica's replay position: a replica at or past it has every
commit made before the check, so its lag is 0. A replica behind it has not replayed
WAL the primary had at some time; each check keeps the primary's position with the time
it was read, and the replica's lag is at most the time since the newest such sample
the replica has reached. With no such sample (a new process), the age of its last
replayed commit stands in: an over-estimate at worst, which only sends reads to the
primary for one check.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from contextlib import suppress
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import DatabaseError, connections

from archive import replicas

PRIMARY = "default"
_PRIMARY_LSN_SQL = "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"
_REPLICA_SQL = (
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() - '0/0'::pg_lsn, "
    "extract(epoch FROM now() - pg_last_xact_replay_timestamp())"
)


@dataclass(frozen=True)
class ReplicaHealth:
    alias: str
    up: bool
    lag_bytes: int | None  # None: the primary could not be asked
    lag_seconds: float | None
    error: str
    checked_at: float  # time.monotonic()

    @property
    def usable(self) -> bool:
        if not self.up:
            return False
        # With the primary down, its lag cannot be known; serving reads beats a 503.
        return self.lag_seconds is None or self.lag_seconds <= replicas.max_lag_seconds()


_lock = threading.Lock()
_health: dict[str, ReplicaHealth] = {}
# (monotonic time, the primary's WAL position then), oldest first.
_primary_positions: deque[tuple[float, int]] = deque(maxlen=64)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def choose_replica() -> str:
    """A usable replica's alias, at random among them, or the primary's."""
    usable = [alias for alias in replica_aliases() if health(alias).usable]
    return random.choice(usable) if usable else PRIMARY


def health(alias: str) -> ReplicaHealth:
    known = _health.get(alias)
    if known is not None and time.monotonic() - known.checked_at < replicas.health_seconds():
        return known
    return check(alias)


def replica_status(refresh: bool = False) -> list[dict]:
    """Each replica's health as plain values, for /readyz and operators.

    ``[{"alias", "up", "usable", "lag_bytes", "lag_seconds", "error", "checked_at"}]``;
    ``refresh`` checks now instead of using this process's last check.
    """
    rows = []
    for alias in replica_aliases():
        state = check(alias) if refresh else health(alias)
        rows.append({**asdict(state), "usable": state.usable})
    return rows


def mark_down(alias: str, error: BaseException | str) -> None:
    """A query on the replica failed: skip it until the next check is due."""
    _store(ReplicaHealth(alias, False, None, None, str(error)[:200], time.monotonic()))
    close_quietly(alias)


def forget() -> None:
    """Drop this process's checks (tests; a changed configuration)."""
    with _lock:
        _health.clear()
        _primary_positions.clear()


def check(alias: str) -> ReplicaHealth:
    primary_position = _primary_position()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(_REPLICA_SQL)
            in_recovery, replayed, replay_age = cursor.fetchone()
    except DatabaseError as error:
        close_quietly(alias)
        return _store(ReplicaHealth(alias, False, None, None, str(error)[:200], time.monotonic()))
    now = time.monotonic()
    if not in_recovery:  # promoted, or not a standby: its data may have parted ways
        return _store(ReplicaHealth(alias, False, None, None, "not in recovery", now))
    if primary_position is None:
        return _store(ReplicaHealth(alias, True, None, None, "primary unavailable", now))
    lag_bytes = max(0, int(primary_position) - int(replayed))
    lag_seconds = 0.0 if lag_bytes == 0 else _lag_seconds(int(replayed), replay_age, now)
    return _store(ReplicaHealth(alias, True, lag_bytes, lag_seconds, "", now))


def _lag_seconds(replayed: int, replay_age, now: float) -> float:
    reached = [at for at, position in _primary_positions if position <= replayed]
    if reached:
        return now - max(reached)
    return float(replay_age) if replay_age is not None else float("inf")


def _primary_position() -> int | None:
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute(_PRIMARY_LSN_SQL)
            position = int(cursor.fetchone()[0])
    except DatabaseError:
        return None
    with _lock:
        _primary_positions.append((time.monotonic(), position))
    return position


def _store(state: ReplicaHealth) -> ReplicaHealth:
    with _lock:
        _health[state.alias] = state
    return state


def close_quietly(alias: str) -> None:
    """Drop a connection that failed, so the next use connects afresh."""
    with suppress(DatabaseError):
        connections[alias].close()
