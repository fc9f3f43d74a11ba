"""Events for a generated corpus, assigned in memory as the importer would (bench.fastload)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

ENRICH_CHUNK = 500  # articles.enrichment.CHUNK_SIZE: events are assigned per chunk
EVENT_WINDOW = dt.timedelta(days=3)  # articles.enrichment.EVENT_WINDOW


class EventAssigner:
    """``articles.enrichment.assign_events`` for new articles, in memory.

    Chunk by chunk of 500 articles (by id), each article in (date, id) order joins the
    first earlier event of the same type and main company within the window (earlier
    chunks' events newest first, as the query orders them, then this chunk's in
    creation order), or creates one.
    """

    def __init__(self, next_id: int):
        self.next_id = next_id
        # (type, company) -> date -> [(event id, precision)] in id order
        self.stored: dict[tuple, dict[dt.date, list[tuple[int, str]]]] = defaultdict(dict)

    @staticmethod
    def groupable(article: dict) -> bool:
        return bool(
            article["main_company_id"]
            and article["event_date"]
            and article["event_type"] != "other"
        )

    @staticmethod
    def _same(date, precision, article) -> bool:
        if precision == article["event_date_precision"] == "day":
            return abs(date - article["event_date"]) <= EVENT_WINDOW
        return (date, precision) == (article["event_date"], article["event_date_precision"])

    def _stored_match(self, article: dict) -> int | None:
        by_date = self.stored.get((article["event_type"], article["main_company_id"]))
        if not by_date:
            return None
        date = article["event_date"]
        if article["event_date_precision"] == "day":
            dates = [date + dt.timedelta(days=d) for d in range(3, -4, -1)]
        else:
            dates = [date]
        for day in dates:
            for event_id, precision in reversed(by_date.get(day, ())):
                if self._same(day, precision, article):
                    return event_id
        return None

    def assign(self, chunk: list[dict], now) -> list[tuple]:
        """Set ``event_id`` on each article; return the new events' rows."""
        created: list[tuple] = []
        fresh: dict[tuple, list[tuple[int, dt.date, str]]] = defaultdict(list)
        for article in sorted(chunk, key=lambda a: (a["event_date"] or dt.date.min, a["id"])):
            match = None
            groupable = self.groupable(article)
            key = (article["event_type"], article["main_company_id"])
            if groupable:
                match = self._stored_match(article)
                if match is None:
                    match = next(
                        (eid for eid, date, prec in fresh[key] if self._same(date, prec, article)),
                        None,
                    )
            if match is None:
                match = self.next_id
                self.next_id += 1
                created.append(
                    (
                        match,
                        article["title"][:500],
                        article["event_type"],
                        article["event_date"],
                        article["event_date_precision"],
                        article["main_company_id"],
                        now,
                    )
                )
                if groupable:
                    fresh[key].append(
                        (match, article["event_date"], article["event_date_precision"])
                    )
            article["event_id"] = match
        for key, events in fresh.items():
            for event_id, date, precision in events:
                self.stored[key].setdefault(date, []).append((event_id, precision))
        return created
