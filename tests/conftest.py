from pathlib import Path

import pytest
from django.db import transaction

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, migrated, with the company dictionary that migration 0010
    loaded taken out again: every test starts with an empty dictionary (as a
    transactional test's flush leaves it anyway) and loads the one it needs.
    tests/test_first_run.py checks the migration itself, on a database of its own."""
    from articles.models import Company, DictionaryVersion

    with django_db_blocker.unblock(), transaction.atomic():
        Company.objects.all().delete()  # and their names
        DictionaryVersion.objects.all().delete()
