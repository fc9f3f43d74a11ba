"""A web worker's start (archive/wsgi.py): dictionaries loaded, start-up objects frozen."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import gc
import archive.wsgi
from articles.text import segment
print(segment._instance is not None, gc.get_freeze_count(), len(gc.get_objects()))
"""


def test_the_wsgi_module_loads_the_segmenter_and_freezes_what_it_loaded():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "archive.settings",
        "DJANGO_DEBUG": "1",
        # Parsed only: loading the application opens no connection.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/unused",
    }
    completed = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    loaded, frozen, tracked = completed.stdout.split()
    assert loaded == "True"
    # Django and the app are frozen; little is left for a full collection to walk.
    assert int(frozen) > 3 * int(tracked), (frozen, tracked)
