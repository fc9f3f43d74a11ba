"""scripts/check_raw_html.py: every raw-HTML site is approved, and a new one is caught."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

SCRIPT = ROOT / "scripts" / "check_raw_html.py"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_the_project_has_only_approved_sites():
    result = run("--list")
    assert result.returncode == 0, result.stderr
    assert "articles/views/listing.py" in result.stdout  # it does find the known ones


def test_an_unapproved_site_fails_the_check(tmp_path):
    (tmp_path / "articles" / "views").mkdir(parents=True)
    (tmp_path / "templates").mkdir()
    (tmp_path / "archive").mkdir()
    (tmp_path / "articles" / "views" / "ok.py").write_text(
        "from django.utils.safestring import mark_safe\nX = mark_safe('<br>')\n"
    )
    (tmp_path / "articles" / "views" / "bad.py").write_text(
        "from django.utils.safestring import SafeString\n"
        "def view(title):\n    return SafeString(title)\n"
    )
    (tmp_path / "templates" / "page.html").write_text(
        "{{ article.title|safe }}\n{% autoescape off %}{{ x }}{% endautoescape %}\n"
        "{{ items|safeseq }}\n"
    )
    (tmp_path / "articles" / "tests").mkdir()
    (tmp_path / "articles" / "tests" / "t.py").write_text("mark_safe(x)\n")  # not scanned
    allowlist = tmp_path / "allow.txt"
    allowlist.write_text(
        "# comment\narticles/views/ok.py:mark_safe('<br>'):a constant\n"
        "templates/gone.html:|safe:stale\n"
    )
    result = run("--root", str(tmp_path), "--allowlist", str(allowlist))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: unapproved raw HTML: articles/views/bad.py:3: SafeString: return SafeString(title)",
        "error: unapproved raw HTML: templates/page.html:1: |safe: {{ article.title|safe }}",
        "error: unapproved raw HTML: templates/page.html:2: autoescape off: "
        "{% autoescape off %}{{ x }}{% endautoescape %}",
        "error: unapproved raw HTML: templates/page.html:3: |safe: {{ items|safeseq }}",
    ]
    assert "approval matches nothing" in result.stderr and "gone.html" in result.stderr
    # Approving them all passes.
    allowlist.write_text(
        "articles/views/ok.py:mark_safe('<br>'):a constant\n"
        "articles/views/bad.py:SafeString(title):reviewed\n"
        "templates/page.html:title|safe:reviewed\n"
        "templates/page.html:autoescape off:reviewed\n"
        "templates/page.html:items|safeseq:reviewed\n"
    )
    assert run("--root", str(tmp_path), "--allowlist", str(allowlist)).returncode == 0


def test_a_malformed_allowlist_fails(tmp_path):
    for top in ("articles", "archive", "templates"):
        (tmp_path / top).mkdir()
    allowlist = tmp_path / "allow.txt"
    allowlist.write_text("articles/x.py:no reason\n")
    result = run("--root", str(tmp_path), "--allowlist", str(allowlist))
    assert result.returncode == 1 and "expected path:text:reason" in result.stderr
