"""The import layers: text code at the bottom, then models, queries, then caches and pages.

Models may call query code and query code may call text code, but neither reaches up
into the dictionary service or the caches (which read the models): no import circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ARTICLES = Path(__file__).resolve().parent.parent / "articles"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the file's package
                package = path.relative_to(ARTICLES.parent).with_suffix("").parts[:-1]
                base = ".".join((*package[: len(package) - node.level + 1], base)).rstrip(".")
            modules.add(base)
    return modules


def articles_imports(path: Path) -> set[str]:
    return {module for module in imported_modules(path) if module.startswith("articles")}


@pytest.mark.parametrize("path", sorted((ARTICLES / "models").glob("*.py")), ids=lambda p: p.name)
def test_models_import_only_models_queries_and_text(path):
    allowed = ("articles.models", "articles.search", "articles.text")
    assert {m for m in articles_imports(path) if not m.startswith(allowed)} == set()


def test_query_code_imports_only_text_code():
    assert {
        m for m in articles_imports(ARTICLES / "search.py") if not m.startswith("articles.text")
    } == set()


def test_the_checker_sees_function_level_and_relative_imports(tmp_path):
    # The checks above must be able to fail: a lazy or relative import is still seen.
    models = ARTICLES / "models" / "article.py"
    assert "articles.search" in imported_modules(models)  # imported inside a method
    assert "articles.models.events" in imported_modules(models)  # from .events import …
