"""Security headers and the Content-Security-Policy, on public pages and in the admin."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from articles.models import Event

pytestmark = pytest.mark.django_db

PUBLIC_URLS = [
    "/",
    "/articles/",
    "/articles/?q=%E6%B7%B7%E5%85%83",
    "/articles/feed/",
    "/articles.json",
    "/articles.csv",
    "/companies/",
    "/companies/tencent/",
    "/keywords/",
    "/event-types/",
    "/sitemap.xml",
    "/healthz",
    "/no-such-page/",  # 404
    "/articles/?year=abc",  # 400
    "/articles/?q=%00",  # 400 from articles.middleware
    "/admin/login/",
]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def assert_secure_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert "'unsafe-inline'" not in csp["style-src"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]


@pytest.fixture
def article(xss):
    return next(iter(xss.values()))


def test_public_pages_and_admin_login_send_every_header(client, article):
    urls = [
        *PUBLIC_URLS,
        article.get_absolute_url(),
        f"/events/{Event.objects.first().pk}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 400, 404}, (url, response.status_code)
        assert_secure_headers(response)


def test_header_check_fails_without_the_policy(client, db):
    response = client.get("/healthz")
    del response["Content-Security-Policy"]
    with pytest.raises(KeyError):
        assert_secure_headers(response)
    response = client.get("/healthz")
    response["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"
    with pytest.raises((AssertionError, KeyError)):
        assert_secure_headers(response)


def test_hsts_on_https(client, db):
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


ADMIN_TEMPLATES = Path(django.__file__).parent / "contrib" / "admin" / "templates"


def inline_blocks(html: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}(?![^>]*\bsrc=)[^>]*>(.*?)</{tag}>", html, re.S | re.I)


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_admins_inline_style_hash_still_matches_django():
    """The one inline <style> Django's admin has is allowed by hash, and only it."""
    styles = []
    for path in ADMIN_TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert inline_blocks(text, "script") == [], f"{path} has an inline script"
        styles += inline_blocks(text, "style")
    allowed = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    assert [sha256(style) for style in styles] == [settings.ADMIN_CHANGELIST_STYLE_HASH]
    assert allowed == ["'self'", settings.ADMIN_CHANGELIST_STYLE_HASH]


def test_admin_pages_have_no_inline_script_and_send_the_policy(client, article):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "x" * 20)
    client.force_login(user)
    urls = [
        "/admin/",
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/articles/company/",
        "/admin/articles/keyword/",
        "/admin/auth/user/add/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert_secure_headers(response)
        html = response.content.decode()
        assert inline_blocks(html, "script") == [], url
        assert re.search(r"<script\b[^>]*\bsrc=", html), url  # the admin's JS is files
        assert not re.search(r"""\son[a-z]+\s*=\s*["']""", html), f"{url}: event handler"
        for style in inline_blocks(html, "style"):
            assert sha256(style) in policy(response)["style-src"], url


PROJECT_TEMPLATES = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "articles"]


def test_project_templates_need_nothing_the_policy_forbids():
    """Inline scripts, event-handler attributes and style attributes would be blocked."""
    problems = []
    for root in PROJECT_TEMPLATES:
        for path in root.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            if inline_blocks(text, "script"):
                problems.append(f"{path}: inline <script>")
            if re.search(r"""<[a-z][^>]*\s(on[a-z]+|style)\s*=""", text, re.I):
                problems.append(f"{path}: event handler or style attribute")
            if re.search(r"""\b(href|src|action)\s*=\s*["']?\s*javascript:""", text, re.I):
                problems.append(f"{path}: javascript: URL")
    assert problems == []
