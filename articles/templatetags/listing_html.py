"""The repeated items of list pages, built in Python: facet values and card tags.

A list page holds ~250 facet links and ~200 tag links. Through the template engine
each ``{{ }}`` is a context lookup, and these items were about half of the page's
render time. Every value goes through ``format_html``, escaped as a template would.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import urlencode
from django.utils.html import format_html, format_html_join

register = template.Library()

FACET_ITEM = '<li><a href="{url}"{attrs}>{label}</a> <span class="count">{count}</span></li>'
SELECTED_FACET_ITEM = FACET_ITEM.replace("<li>", '<li class="selected">')
DATA = ' data-facet="{}" data-value="{}"'
SELECTED_DATA = ' aria-current="true" data-facet="{}" data-value="{}"'
TAG_ITEM = '<li><a class="tag tag-{kind}" href="{url}?{kind}={slug}">{name}</a></li>'
CARD_TAGS = (
    ("industry", "industry_links"),
    ("technology", "technology_links"),
    ("keyword", "keyword_links"),
)


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
    """An article card's tag links (industries, technologies, keywords), prefetched."""
    return _joined(
        format_html(
            TAG_ITEM, kind=kind, url=list_url, slug=urlencode(link.tag.slug), name=link.tag.name
        )
        for kind, links in CARD_TAGS
        for link in getattr(article, links).all()
    )
