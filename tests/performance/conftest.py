"""The admin tests' fixtures (companies, sample articles, a curator) for these tests."""

from tests.admin.conftest import (  # noqa: F401 - fixtures
    _fresh_matcher,
    _inline_background_jobs,
    companies,
    curator,
    curator_client,
    sample,
)
