"""Load the curated company dictionary (fixtures/companies.json) into a new archive.

Why a data migration and not "load it on the first import when it is empty":

- ``migrate`` is the one step every installation runs before anything else, so an
  archive has its dictionary before its first article, whatever imports it (the
  command, the admin upload, a script calling the importer). Company pages and the
  admin's company list exist before any import, too.
- It runs once per database. An archive whose curators later empty or prune the
  dictionary keeps what they did: nothing re-creates deleted companies behind their
  back, and an import into an empty dictionary warns instead
  (articles.importing.service.dictionary_warnings).
- An existing archive that already has companies (loaded with ``load_companies``
  before this migration existed) is left as it is.

The test suite's database is migrated too; tests/conftest.py empties the dictionary
once after that, so that every test starts as before (empty, which a transactional
test's flush would otherwise make depend on the order tests run in) and tests load
the dictionary they need. tests/test_first_run.py checks this migration on a fresh
database.

Stable code only: historical models (``apps.get_model``), the JSON file's documented
keys, and ``normalize``, pure text code with no Django import (the same function
CompanyName.save applies, so names the admin adds later compare the same way).
"""

import json
from pathlib import Path

from django.db import migrations
from django.db.models import F

from articles.text.normalize import normalize

CURATED_DICTIONARY = Path(__file__).resolve().parents[2] / "fixtures" / "companies.json"


def load_curated_dictionary(apps, schema_editor):
    Company = apps.get_model("articles", "Company")
    CompanyName = apps.get_model("articles", "CompanyName")
    DictionaryVersion = apps.get_model("articles", "DictionaryVersion")
    database = schema_editor.connection.alias
    if Company.objects.using(database).exists() or not CURATED_DICTIONARY.exists():
        return  # an archive with a dictionary keeps it; without the file, imports warn
    entries = json.loads(CURATED_DICTIONARY.read_text(encoding="utf-8"))
    companies = Company.objects.using(database).bulk_create(
        Company(
            slug=entry["slug"],
            name=entry["name"],
            name_en=entry.get("name_en", ""),
            category=entry.get("category", "other"),
            description=entry.get("description", ""),
        )
        for entry in entries
    )
    names, taken = [], set()
    for company, entry in zip(companies, entries, strict=True):
        for kind, key_in_file in (("alias", "aliases"), ("product", "products")):
            for name in entry.get(key_in_file, []):
                key = normalize(name).strip()
                if key and key not in taken:  # a name identifies one company: the first
                    taken.add(key)
                    names.append(
                        CompanyName(company=company, name=name, kind=kind, normalized_name=key)
                    )
    CompanyName.objects.using(database).bulk_create(names)
    # Articles record the dictionary version they were enriched with.
    versions = DictionaryVersion.objects.using(database)
    if not versions.filter(pk=1).update(version=F("version") + 1):
        versions.create(pk=1, version=1)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_drop_duplicate_article_indexes"),
    ]

    operations = [
        # Reversing leaves the dictionary: it may hold curators' work by then.
        migrations.RunPython(load_curated_dictionary, migrations.RunPython.noop, elidable=False),
    ]
