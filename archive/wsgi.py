import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
application = get_wsgi_application()

# Load jieba's dictionaries (about a second) while the worker starts, never inside
# a reader's first search. Company words are added on first use; that is cheap.
from articles.text.segment import get_segmenter  # noqa: E402

get_segmenter()
