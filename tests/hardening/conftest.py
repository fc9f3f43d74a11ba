"""Fixtures for the hardening tests: the stored-XSS corpus, imported the real way."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from articles.dictionary import load_company_dictionary
from articles.importing.service import import_paths
from articles.models import Article

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
XSS_RECORDS = HERE / "xss_records.txt"

# Every raw payload of xss_records.txt; none may ever reach a page as markup.
PAYLOADS = (
    "<script>alert('xss-title')</script>",
    "<script>alert('xss-link')</script>",
    "\"><script>alert('xss-link')",
    "<script>alert('xss-extra')</script>",
    "<img src=x onerror=alert('xss-summary')>",
    "<script>alert('xss-paragraph')</script>",
    "<svg onload=alert('xss-keyword')>",
    "<iframe src=javascript:alert('xss-tech')>",
    "\"><img src=x onerror=alert('xss-industry')>",
    "<img src=x onerror=alert('xss-industry')>",
    "<script>alert('xss-event')</script>",
    "<b onmouseover=alert('xss-title2')>",
    "<svg/onload=alert('xss-link2')>",
    "<a href=\"javascript:alert('xss-href')\">",
)
# The marker of each payload, by the field that carries it.
MARKERS = {
    "title": "xss-title",
    "link": "xss-link",
    "extra": "xss-extra",
    "summary": "xss-summary",
    "keywords": "xss-keyword",
    "technologies": "xss-tech",
    "industries": "xss-industry",
    "event_summary": "xss-event",
}


def raw_payloads(body: str) -> list[str]:
    """The payloads that occur unescaped in ``body``."""
    return [payload for payload in PAYLOADS if payload in body]


@pytest.fixture
def dictionary(db):
    load_company_dictionary(ROOT / "fixtures" / "companies.json")


@pytest.fixture
def xss(dictionary):
    """The XSS corpus; returns its articles by canonical URL."""
    report = import_paths([str(XSS_RECORDS)])
    assert report.errors == [] and report.created == 5, [str(e) for e in report.errors]
    return {article.canonical_url: article for article in Article.objects.all()}


def english_client(**options) -> Client:
    """English pages (chosen as the language switch does), so tests match exact strings."""
    client = Client(**options)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def client():
    return english_client()
