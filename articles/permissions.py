"""The "Curators" group: what a curator without superuser rights may do.

Curators add, change, publish/hide, merge, re-enrich and import, and see and
retry background jobs. They delete
nothing but the link rows an article or company form edits inline (a tag link, a
company link, an alias). Only superusers delete articles, companies, tags, events
or import batches, and only superusers manage users. Migration 0005 creates the
group with exactly these permissions (0010 adds the jobs'); ``ensure_curators_group``
re-applies them (the ``add_curator`` command calls it).
"""

from __future__ import annotations

CURATORS = "Curators"

CURATOR_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # model name: actions or custom codenames (prefixed with "=")
    "article": ("view", "add", "change", "=hide_article"),
    "articlekeyword": ("view", "add", "change", "delete"),
    "articletechnology": ("view", "add", "change", "delete"),
    "articleindustry": ("view", "add", "change", "delete"),
    "articlecompany": ("view", "add", "change", "delete"),
    "keyword": ("view", "add", "change", "=merge_keyword"),
    "technology": ("view", "add", "change", "=merge_technology"),
    "industry": ("view", "add", "change", "=merge_industry"),
    "company": ("view", "add", "change", "=merge_company"),
    "companyname": ("view", "add", "change", "delete"),
    "event": ("view", "add", "change", "=merge_event"),
    # "add" an import batch is uploading a file to import.
    "importbatch": ("view", "add"),
    # Background jobs (the django_tasks_db queue, seen through the Job proxy).
    "job": ("view", "=retry_job"),
    "mergerecord": ("view",),
    "slugredirect": ("view",),
    "tagalias": ("view",),
}


def curator_codenames() -> list[str]:
    codenames = []
    for model, actions in CURATOR_PERMISSIONS.items():
        for action in actions:
            codenames.append(action[1:] if action.startswith("=") else f"{action}_{model}")
    return sorted(codenames)


def ensure_curators_group():
    """Create the group if missing and set its permissions to exactly the list above."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=CURATORS)
    permissions = Permission.objects.filter(
        content_type__app_label="articles", codename__in=curator_codenames()
    )
    group.permissions.set(permissions)
    return group
