"""Fixtures for the admin tests: a superuser, a curator (via the Curators group),
the company dictionary, and a few imported articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from articles import dictionary
from articles.dictionary import load_company_dictionary
from articles.importing.service import import_paths
from articles.models import Article, DictionaryVersion
from articles.permissions import CURATORS, ensure_curators_group

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "articles"
SAMPLE = [
    "001_baidu_ernie_bot_launch.txt",
    "005_openai_gpt4o_launch.txt",
    "007_zhipu_chatglm_6b_open_source.txt",
    "022_china_genai_interim_measures.txt",
    "039_zhipu_ai_funding_2023.txt",
]
PASSWORD = "a-long-test-password-42"


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _inline_background_jobs(settings, tmp_path):
    """Background jobs run in the test thread when enqueued (on commit, as in production:
    ``django_capture_on_commit_callbacks``); uploads are stored under tmp. The real queue
    and worker are tested in tests/jobs.

    Pages are asserted in English (the site defaults to Chinese)."""
    settings.LANGUAGE_CODE = "en"
    settings.TASKS = IMMEDIATE_TASKS
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_matcher():
    """The company matcher is cached per process by dictionary version; tests roll
    the version back, so start and end each test without a cached matcher."""
    dictionary._cached = None
    yield
    dictionary._cached = None


@pytest.fixture
def companies(db):
    report = load_company_dictionary(ROOT / "fixtures" / "companies.json")
    assert not report.errors
    DictionaryVersion.bump()
    dictionary._cached = None


@pytest.fixture
def sample(companies):
    report = import_paths([str(CORPUS / name) for name in SAMPLE])
    assert report.errors == [] and report.created == len(SAMPLE)
    return {article.source_file.rsplit("/", 1)[-1]: article for article in Article.objects.all()}


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def curator(django_user_model, db):
    group = ensure_curators_group()
    assert group.name == CURATORS
    user = django_user_model.objects.create_user(
        "cura", "cura@example.com", PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name=CURATORS))
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client


def form_data(response) -> dict:
    """The POST data of an admin add/change page as shown: main form and inlines."""
    data: dict = {}

    def add(form):
        for name, field in form.fields.items():
            bound = form[name]
            value = field.prepare_value(bound.value())
            if value is None:
                value = ""
            if isinstance(value, bool) or getattr(field.widget, "input_type", "") == "checkbox":
                if value:
                    data[bound.html_name] = "on"
                continue
            if isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management[name].html_name] = str(management[name].value())
        for form in formset.forms:
            add(form)
    return data
