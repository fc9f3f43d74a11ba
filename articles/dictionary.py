"""The company dictionary: loading it, and the per-process matcher built from it."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.models import Company, CompanyName, DictionaryVersion
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
    """Upsert companies by slug and add their aliases and products.

    Idempotent. Names curators added in the admin are kept; a name that already
    belongs to another company is reported and skipped.
    """
    report = LoadReport()
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    with transaction.atomic():
        owners = dict(CompanyName.objects.values_list("normalized_name", "company__slug"))
        for entry in entries:
            defaults = {
                "name": entry["name"],
                "name_en": entry.get("name_en", ""),
                "category": entry.get("category", Company.Category.OTHER),
                "description": entry.get("description", ""),
            }
            company = Company.objects.filter(slug=entry["slug"]).first()
            if company is None:
                company = Company.objects.create(slug=entry["slug"], **defaults)
                report.created += 1
            elif any(getattr(company, key) != value for key, value in defaults.items()):
                for key, value in defaults.items():
                    setattr(company, key, value)
                company.save()
                report.updated += 1
            else:
                report.unchanged += 1
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
                    CompanyName.objects.create(company=company, name=name, kind=kind)
                    owners[key] = company.slug
                    report.names_added += 1
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


def current_matcher() -> tuple[int, CompanyMatcher]:
    """(version, matcher) for the dictionary as it is now; rebuilt only when it changed."""
    global _cached
    fingerprint = DictionaryVersion.fingerprint()
    with _cache_lock:
        if _cached is None or _cached[0] != fingerprint:
            matcher = CompanyMatcher(company_entries(), get_segmenter())
            set_dictionary_words(matcher.all_words())
            _cached = (fingerprint, matcher)
        return fingerprint[0], _cached[1]


@receiver([post_save, post_delete], sender=Company)
@receiver([post_save, post_delete], sender=CompanyName)
def _dictionary_changed(sender, raw=False, **kwargs):
    # In the same transaction as the change: a rollback undoes both.
    if not raw:
        DictionaryVersion.bump()
