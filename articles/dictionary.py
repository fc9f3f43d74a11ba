"""The company dictionary: loading it, and the per-process matcher built from it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from articles.models import Company, CompanyName, DictionaryVersion
from articles.search import CompiledSearch, compile_search
from articles.text.companies import CompanyEntry, CompanyMatcher
from articles.text.normalize import normalize
from articles.text.segment import get_segmenter, set_dictionary_words


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    names_added: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"companies: created {self.created}, updated {self.updated}, unchanged "
            f"{self.unchanged}; aliases/products added {self.names_added}; "
            f"problems {len(self.errors)}"
        )


def load_company_dictionary(path: Path) -> LoadReport:
    """Upsert companies by slug and add their aliases and products, in bulk.

    Idempotent. Names curators added in the admin are kept; a name that already
    belongs to another company is reported and skipped. The dictionary version is
    bumped once, if anything changed.
    """
    report = LoadReport()
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    fields = ("name", "name_en", "category", "description")
    with transaction.atomic():
        companies = Company.objects.in_bulk([entry["slug"] for entry in entries], field_name="slug")
        created, changed = [], []
        for entry in entries:
            values = {
                "name": entry["name"],
                "name_en": entry.get("name_en", ""),
                "category": entry.get("category", Company.Category.OTHER),
                "description": entry.get("description", ""),
            }
            company = companies.get(entry["slug"])
            if company is None:
                company = companies[entry["slug"]] = Company(slug=entry["slug"], **values)
                created.append(company)
            elif any(getattr(company, key) != value for key, value in values.items()):
                for key, value in values.items():
                    setattr(company, key, value)
                changed.append(company)
            else:
                report.unchanged += 1
        Company.objects.bulk_create(created)
        Company.objects.bulk_update(changed, fields)
        report.created, report.updated = len(created), len(changed)

        owners = dict(CompanyName.objects.values_list("normalized_name", "company__slug"))
        new_names = []
        for entry in entries:
            company = companies[entry["slug"]]
            for kind, names in (
                (CompanyName.Kind.ALIAS, entry.get("aliases", [])),
                (CompanyName.Kind.PRODUCT, entry.get("products", [])),
            ):
                for name in names:
                    key = normalize(name).strip()
                    owner = owners.get(key)
                    if owner == company.slug:
                        continue
                    if owner is not None:
                        report.errors.append(f"{name!r} of {company.slug} already names {owner}")
                        continue
                    new_names.append(
                        CompanyName(company=company, name=name, kind=kind, normalized_name=key)
                    )
                    owners[key] = company.slug
        CompanyName.objects.bulk_create(new_names)
        report.names_added = len(new_names)
        if created or changed or new_names:
            DictionaryVersion.bump()  # bulk writes send no signals
            forget_fingerprint()
    return report


def company_entries() -> list[CompanyEntry]:
    names: dict[int, dict[str, list[str]]] = {}
    for company_id, name, kind in CompanyName.objects.values_list("company_id", "name", "kind"):
        names.setdefault(company_id, {}).setdefault(kind, []).append(name)
    return [
        CompanyEntry(
            slug=company.slug,
            name=company.name,
            name_en=company.name_en,
            aliases=tuple(names.get(company.pk, {}).get(CompanyName.Kind.ALIAS, [])),
            products=tuple(names.get(company.pk, {}).get(CompanyName.Kind.PRODUCT, [])),
        )
        for company in Company.objects.only("slug", "name", "name_en").order_by("slug")
    ]


_cache_lock = threading.Lock()
_cached: tuple[tuple[int, str], CompanyMatcher] | None = None

# Outside a transaction (a web request's search) the dictionary's fingerprint is read
# at most this often per process: a query saved on every search, for a change another
# process made showing up to this late. Inside a transaction (imports, enrichment,
# curation, tests) it is read every time: that transaction may have just changed it.
FINGERPRINT_MAX_AGE_SECONDS = 2.0
_fingerprint_read: tuple[float, tuple[int, str]] | None = None


def dictionary_fingerprint() -> tuple[int, str]:
    global _fingerprint_read
    if connection.in_atomic_block:
        return DictionaryVersion.fingerprint()
    read = _fingerprint_read
    now = time.monotonic()
    if read is None or now - read[0] >= FINGERPRINT_MAX_AGE_SECONDS:
        read = _fingerprint_read = (now, DictionaryVersion.fingerprint())
    return read[1]


def forget_fingerprint(**kwargs) -> None:
    """This process changed the dictionary, or emptied the database: read it again."""
    global _fingerprint_read
    _fingerprint_read = None


def current_matcher() -> tuple[int, CompanyMatcher]:
    """(version, matcher) for the dictionary as it is now; rebuilt only when it changed."""
    global _cached
    fingerprint = dictionary_fingerprint()
    with _cache_lock:
        if _cached is None or _cached[0] != fingerprint:
            matcher = CompanyMatcher(company_entries(), get_segmenter())
            set_dictionary_words(matcher.segmenter_words())
            _cached = (fingerprint, matcher)
        return fingerprint[0], _cached[1]


def search_for(text: str) -> CompiledSearch:
    """A user's search text compiled with the company dictionary as it is now."""
    return compile_search(text, current_matcher()[1])


@receiver([post_save, post_delete], sender=Company)
@receiver([post_save, post_delete], sender=CompanyName)
def _dictionary_changed(sender, raw=False, **kwargs):
    # In the same transaction as the change: a rollback undoes both.
    if not raw:
        DictionaryVersion.bump()
        forget_fingerprint()


# flush (the test suite's transactional tests) empties the tables and sends post_migrate.
post_migrate.connect(forget_fingerprint, dispatch_uid="articles.dictionary.forget_fingerprint")
