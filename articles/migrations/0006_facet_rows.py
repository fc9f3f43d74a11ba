"""Derived facet rows, published counts and the data version, kept by triggers.

See articles.denormalized: the trigger SQL is defined there, in one place; the
backfill is its set-based ``rebuild_all``.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.db.models.deletion
from django.db import migrations, models

from articles import denormalized


def backfill(apps, schema_editor):
    denormalized.rebuild_all()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_curators_group"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.BigIntegerField(editable=False)),
            ],
            options={
                "default_permissions": (),
            },
        ),
        migrations.CreateModel(
            name="ArticleFacetRow",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        db_constraint=False,
                        editable=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="facet_row",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("status", models.CharField(editable=False, max_length=16)),
                ("event_type", models.CharField(editable=False, max_length=32)),
                ("event_date", models.DateField(editable=False, null=True)),
                ("main_company_id", models.IntegerField(editable=False, null=True)),
                (
                    "company_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), default=list, editable=False, size=None
                    ),
                ),
                (
                    "industry_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), default=list, editable=False, size=None
                    ),
                ),
                (
                    "technology_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), default=list, editable=False, size=None
                    ),
                ),
                (
                    "keyword_ids",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.IntegerField(), default=list, editable=False, size=None
                    ),
                ),
            ],
            options={
                "default_permissions": (),
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        models.F("company_ids"), name="facetrow_company_ids"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        models.F("industry_ids"), name="facetrow_industry_ids"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        models.F("technology_ids"), name="facetrow_technology_ids"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        models.F("keyword_ids"), name="facetrow_keyword_ids"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="FacetCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("dimension", models.CharField(editable=False, max_length=16)),
                ("key", models.CharField(editable=False, max_length=64)),
                ("count", models.IntegerField(editable=False)),
            ],
            options={
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("dimension", "key"), name="facetcount_dimension_key"
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                models.F("main_company"),
                models.OrderBy(models.F("date"), descending=True, nulls_last=True),
                models.OrderBy(models.F("id"), descending=True),
                name="event_company_newest",
            ),
        ),
        migrations.RunSQL(denormalized.INSTALL_SQL, denormalized.UNINSTALL_SQL),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
