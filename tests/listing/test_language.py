import pytest

pytestmark = pytest.mark.django_db


def test_chinese_by_default_whatever_the_browser_prefers(client, articles):
    response = client.get("/articles/?company=tencent", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html and "全部清除" in html
    assert response["Content-Language"] == "zh-hans"
    assert "Cookie" in response["Vary"]


def test_language_switch_keeps_the_filters(client, articles):
    url = "/articles/?company=tencent&industry=%E9%87%91%E8%9E%8D"
    response = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    english = client.get(url).content.decode()
    assert '<html lang="en">' in english and "Clear all" in english
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": url})
    assert '<html lang="zh-hans">' in client.get(url).content.decode()


def test_unknown_language_cookie_falls_back_to_chinese(client, articles):
    client.cookies["django_language"] = "xx"
    assert '<html lang="zh-hans">' in client.get("/articles/").content.decode()
