"""Every UI string has a Chinese translation, and the compiled catalogue matches it."""

import gettext
import re
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def po_entries(text: str | None = None) -> dict[str, str]:
    entries = {}
    for block in (text or PO.read_text(encoding="utf-8")).split("\n\n"):
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:
            key = "".join(re.findall(r'"(.*)"', msgid.group(1)))
            if key:
                entries[key] = "".join(re.findall(r'"(.*)"', msgstr.group(1)))
    return entries


def test_every_message_is_translated():
    entries = po_entries()
    assert len(entries) > 200
    untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
    assert untranslated == []
    assert "#, fuzzy" not in PO.read_text(encoding="utf-8")


def test_compiled_catalogue_matches_the_po_file():
    catalogue = gettext.GNUTranslations(MO.open("rb"))
    for msgid, msgstr in po_entries().items():
        text = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        expected = msgstr.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        assert catalogue.gettext(text) == expected, msgid


@pytest.mark.django_db
def test_no_ui_string_is_missing_from_the_catalogue(tmp_path, settings):
    """Re-extract messages into a scratch copy: nothing new may appear untranslated."""
    import shutil

    scratch = tmp_path / "project"
    for name in ("articles", "archive", "templates"):
        shutil.copytree(ROOT / name, scratch / name, ignore=shutil.ignore_patterns("__pycache__"))
    (scratch / "locale" / "zh_Hans" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(PO, scratch / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    import os

    cwd = os.getcwd()
    os.chdir(scratch)
    try:
        call_command("makemessages", locale=["zh_Hans"], verbosity=0, no_obsolete=True)
    finally:
        os.chdir(cwd)
    extracted = (scratch / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(
        encoding="utf-8"
    )
    missing = [msgid for msgid, msgstr in po_entries(extracted).items() if not msgstr]
    assert missing == [], "run `make messages` and translate these"
