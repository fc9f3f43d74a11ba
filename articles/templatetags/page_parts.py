"""The repeated parts of pages, built in Python: facets, card tags, dates, events, counts.

A list page holds ~250 facet links and ~200 tag links, a company page 200 dated
events. Through the template engine each ``{{ }}`` is a context lookup and each
``{% include %}`` a template render, and these parts were about half of those pages'
render time. Every value goes through ``format_html``, escaped as a template would.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date as date_format
from django.template.defaultfilters import urlencode
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from articles.models.cards import card_tags

register = template.Library()

FACET_ITEM = '<li><a href="{url}"{attrs}>{label}</a> <span class="count">{count}</span></li>'
SELECTED_FACET_ITEM = FACET_ITEM.replace("<li>", '<li class="selected">')
DATA = ' data-facet="{}" data-value="{}"'
SELECTED_DATA = ' aria-current="true" data-facet="{}" data-value="{}"'
TAG_ITEM = '<li><a class="tag tag-{kind}" href="{url}?{kind}={slug}">{name}</a></li>'
# precision -> (the datetime attribute's format, the shown format); else a day.
DATE_FORMATS = {"year": ("Y", "Y"), "month": ("Y-m", "YEAR_MONTH_FORMAT")}
DAY_FORMATS = ("Y-m-d", "DATE_FORMAT")
EVENT_ITEM = '<li><a href="{url}">{title}</a> <span class="meta">{date} · {count}</span></li>'


def _joined(items):
    return format_html_join("\n", "{}", ((item,) for item in items))


@register.simple_tag
def facet_items(values, param: str = ""):
    """The ``<li>`` of each articles.facets.FacetValue; with ``param``, the links
    carry ``data-facet``/``data-value`` and the selected one ``aria-current``."""
    items = []
    for value in values:
        attrs = (
            format_html(SELECTED_DATA if value.selected else DATA, param, value.slug)
            if param
            else ""
        )
        items.append(
            format_html(
                SELECTED_FACET_ITEM if value.selected else FACET_ITEM,
                url=value.url,
                attrs=attrs,
                label=value.label,
                count=value.count_label,
            )
        )
    return _joined(items)


@register.simple_tag
def facet_options(values):
    """The ``<option>`` of each facet value, for the "find in" box."""
    return format_html_join(
        "", '<option value="{}">{}</option>', ((value.slug, value.label) for value in values)
    )


@register.simple_tag
def card_tag_items(article, list_url: str):
    """An article card's tag links: industries, technologies, keywords (``for_cards``)."""
    tags = getattr(article, "card_tags", None)
    if tags is None:  # an article not read by for_cards(): one query of its own
        tags = card_tags([article.pk])[article.pk]
    return _joined(
        format_html(TAG_ITEM, kind=kind, url=list_url, slug=urlencode(slug), name=name)
        for kind, slug, name in tags
    )


@register.simple_tag
def date_html(date, precision: str = ""):
    """A date at its precision, ``<time datetime="2024-03">2024年3月</time>``; none: ''."""
    if not date:
        return ""
    machine, shown = DATE_FORMATS.get(precision, DAY_FORMATS)
    return format_html(
        '<time datetime="{}">{}</time>', date_format(date, machine), date_format(date, shown)
    )


@register.simple_tag
def event_items(events):
    """The ``<li>`` of each event: its link, its date and how many articles report it."""
    return _joined(
        format_html(
            EVENT_ITEM,
            url=event.get_absolute_url(),
            title=event.title,
            date=date_html(event.date, event.date_precision),
            count=ngettext("%(counter)s article", "%(counter)s articles", event.article_count)
            % {"counter": localize(event.article_count)},
        )
        for event in events
    )


@register.simple_tag
def count_html(n: int, estimated: bool = False):
    """An article count beside a name: "12", or "约 1,200" when estimated, with the
    word "articles" for screen readers."""
    shown = _("about %(count)s") % {"count": localize(n)} if estimated else localize(n)
    return format_html(
        '<span class="count">{}<span class="visually-hidden"> {}</span></span>',
        shown,
        ngettext("article", "articles", n),
    )
