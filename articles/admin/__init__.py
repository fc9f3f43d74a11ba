"""The curators' admin. Screens are thin: the logic lives in ``articles.curation``."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import articles, companies, events, history, imports, jobs, tags  # noqa: F401

admin.site.site_header = _("AI news archive · curation")
admin.site.site_title = _("AI news archive")
admin.site.index_title = _("Curation")
