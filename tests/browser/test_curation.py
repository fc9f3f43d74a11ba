"""A curator's edit in the admin, in a real browser, reaches the public page.

Log in at /admin/login/, find the article with the changelist search, change its main
company with the autocomplete widget (select2: needs JavaScript), save, then read the
public article page.
"""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article
from articles.permissions import CURATORS

from .conftest import SEED_TITLE

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("browser", "corpus"),  # browser first: skip before loading data
    pytest.mark.slow,
]

USERNAME = "browser-curator"
PASSWORD = "a-long-browser-test-password-7"  # noqa: S105


def path(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def curator():
    """A staff user in the Curators group, made the way operators make one.

    ``add_curator`` re-creates the group if needed: transactional tests flush every
    table, so the group migration 0005 made may be gone by now.
    """
    call_command("add_curator", USERNAME, stdout=io.StringIO())
    user = get_user_model().objects.get(username=USERNAME)
    user.set_password(PASSWORD)
    user.save()
    assert user.is_staff and not user.is_superuser
    assert user.groups.filter(name=CURATORS).exists()
    return user


def test_a_curator_changes_the_main_company_and_the_public_page_shows_it(new_context, curator):
    article = Article.objects.select_related("main_company").get(title=SEED_TITLE)
    assert article.main_company.slug == "tencent"
    page = new_context(javascript=True).new_page()

    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill(USERNAME)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url(lambda url: path(url) == "/admin/")

    page.goto("/admin/articles/article/")
    page.locator("#searchbar").fill("混元")
    page.locator("#searchbar").press("Enter")
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("q") == ["混元"])
    page.locator("#result_list").get_by_role("link", name=SEED_TITLE, exact=True).click()
    # The change page keeps the search (?_changelist_filters=q%3D...) for the way back.
    page.wait_for_url(lambda url: path(url) == f"/admin/articles/article/{article.pk}/change/")

    # The autocomplete: open it, type, wait for the server's answer, pick the option.
    widget = page.locator(".field-main_company .select2-selection")
    expect(widget).to_contain_text("腾讯")
    widget.click()
    search = page.locator(".select2-container--open .select2-search__field")
    with page.expect_response(lambda r: "/admin/autocomplete/" in r.url and "term=" in r.url):
        search.fill("百度")
    page.locator(".select2-results__option", has_text="百度").first.click()
    expect(widget).to_contain_text("百度")
    expect(page.locator("select#id_main_company option:checked")).to_have_text("百度")

    page.locator("input[name=_save]").click()
    page.wait_for_url(lambda url: path(url) == "/admin/articles/article/")
    expect(page.locator(".messagelist .success")).to_have_count(1)

    article.refresh_from_db()
    assert article.main_company.slug == "baidu"
    assert "main_company" in article.curated_fields

    # The public page, in a browser that never logged in.
    public = new_context().new_page()
    public.goto(article.get_absolute_url())
    expect(public.locator(".article-detail header .meta a.company")).to_have_text("百度")
    expect(public.locator(".company-links li", has_text="百度").locator(".badge")).to_have_count(1)
