"""The first request after an import, cold and warmed (bench/first_request.py)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from articles.importing.service import import_paths
from articles.models import Article, Company, FacetCount
from bench.first_request import measure_first_request
from bench.report import first_request_lines

# The measurement vacuums after its rolled-back imports: no test transaction around it.
pytestmark = pytest.mark.django_db(transaction=True)


def test_warming_spares_the_first_reader_the_cold_queries_and_leaves_the_corpus(tmp_path):
    call_command("load_companies", "fixtures/companies.json", stdout=StringIO())
    call_command("generate_corpus", 40, seed=4, out=tmp_path, stdout=StringIO())
    assert import_paths([str(tmp_path)]).created == 40
    [(largest, _n)] = FacetCount.objects.top("company", 1)
    inputs = {"largest_company": Company.objects.get(pk=largest).slug}

    figure = measure_first_request(inputs, records=10, repetitions=2, seed=5)

    assert figure["created"] == [10]  # every repetition imported the batch anew
    assert Article.objects.count() == 40  # and rolled it back
    assert set(figure["pages"]) == {"home", "list", "company", "list_company"}
    for key, row in figure["pages"].items():
        assert row["cold_status"] == row["warmed_status"] == [200], key
        assert row["warmed_queries"] < row["cold_queries"], key
    assert figure["warm_pages"]["requests"] > 4 and figure["warm_pages"]["statuses"] == [200]
    table = "\n".join(first_request_lines(figure))
    assert "| first request after an import: largest company's page |" in table
