import pytest
from articles.models import Article, Event
pytestmark = pytest.mark.django_db

def test_print(site):
    for a in Article.objects.all().order_by("pk"):
        print(a.pk, a.title, a.status, a.main_company, a.event_type, a.event_date, a.event_date_precision, a.event_id,
              [(l.company.slug, l.mentions, l.is_main, l.in_title) for l in a.company_links.all()], a.extra_fields)
    for e in Event.objects.all():
        print("E", e.pk, e.title, e.event_type, e.main_company, list(e.companies.all()))
