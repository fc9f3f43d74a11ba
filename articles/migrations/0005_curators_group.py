"""Create the "Curators" group (see articles/permissions.py for what it may do).

The list is frozen here on purpose: a later change to the group is a new migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATORS = "Curators"
CODENAMES = [
    "add_article", "change_article", "view_article", "hide_article",
    "add_articlekeyword", "change_articlekeyword", "delete_articlekeyword", "view_articlekeyword",
    "add_articletechnology", "change_articletechnology", "delete_articletechnology",
    "view_articletechnology",
    "add_articleindustry", "change_articleindustry", "delete_articleindustry",
    "view_articleindustry",
    "add_articlecompany", "change_articlecompany", "delete_articlecompany",
    "view_articlecompany",
    "add_keyword", "change_keyword", "view_keyword", "merge_keyword",
    "add_technology", "change_technology", "view_technology", "merge_technology",
    "add_industry", "change_industry", "view_industry", "merge_industry",
    "add_company", "change_company", "view_company", "merge_company",
    "add_companyname", "change_companyname", "delete_companyname", "view_companyname",
    "add_event", "change_event", "view_event", "merge_event",
    "add_importbatch", "view_importbatch",
    "view_mergerecord",
    "view_slugredirect",
    "view_tagalias",
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make
    # sure this app's exist now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=CURATORS)
    permissions = Permission.objects.filter(
        content_type__app_label="articles", codename__in=CODENAMES
    )
    missing = set(CODENAMES) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"permissions missing for the Curators group: {sorted(missing)}")
    group.permissions.set(permissions)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=CURATORS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_curation_permissions_tag_alias"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
