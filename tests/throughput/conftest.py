"""The small imported corpus of tests/site, for the detail page's cache."""

from tests.site.conftest import client, dictionary, site  # noqa: F401 - fixtures
