import time
import pytest

@pytest.mark.django_db(transaction=True)
def test_explore(page, corpus):
    t = time.time()
    page.goto("/articles/")
    print("goto", time.time() - t)
    print(page.locator(".article-list .card-title").all_inner_texts()[:3])
    print(page.locator("html").get_attribute("lang"))
    from articles.models import Article
    print(Article.objects.count())

@pytest.mark.django_db(transaction=True)
def test_explore2(page, corpus):
    page.goto("/articles/?q=脚本标题测试")
    print(page.locator(".article-list").inner_html())
    page.goto("/")
    print(page.locator(".sidebar").inner_text())
