"""Durable background jobs (articles/jobs): workers' heartbeats, each job's attempts,
uploads stored with their batch, and curators' view/retry permissions on jobs.

The permission list is frozen here, as in 0005: a later change is a new migration.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

CURATORS = "Curators"
CODENAMES = ["view_job", "retry_job"]


def grant_curators(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate).
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
    group.permissions.add(*permissions)


def revoke_curators(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=CURATORS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="articles", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0011_importbatch_warnings'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('django_tasks_database', '0021_conditional_partial_index_ordering'),
    ]

    operations = [
        migrations.CreateModel(
            name='WorkerHeartbeat',
            fields=[
                ('worker_id', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('host', models.CharField(max_length=255)),
                ('pid', models.PositiveIntegerField()),
                ('started_at', models.DateTimeField()),
                ('last_seen', models.DateTimeField(db_index=True)),
            ],
            options={
                'verbose_name': 'worker heartbeat',
                'verbose_name_plural': 'worker heartbeats',
            },
        ),
        migrations.CreateModel(
            name='Job',
            fields=[
            ],
            options={
                'verbose_name': 'background job',
                'verbose_name_plural': 'background jobs',
                'permissions': [('retry_job', 'Can retry a failed background job')],
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('django_tasks_database.dbtaskresult',),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='job_id',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='importbatch',
            name='upload',
            field=models.FileField(blank=True, max_length=255, upload_to='uploads/%Y/%m/'),
        ),
        migrations.AlterField(
            model_name='importbatch',
            name='status',
            field=models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('succeeded', 'succeeded'), ('partial', 'partly failed'), ('failed', 'failed')], default='running', max_length=16),
        ),
        migrations.CreateModel(
            name='JobAttempt',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('worker_id', models.CharField(max_length=64)),
                ('host', models.CharField(blank=True, max_length=255)),
                ('pid', models.PositiveIntegerField(blank=True, null=True)),
                ('started_at', models.DateTimeField()),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('outcome', models.CharField(choices=[('running', 'running'), ('succeeded', 'succeeded'), ('failed', 'failed'), ('lost', 'worker lost'), ('interrupted', 'interrupted; queued again')], default='running', max_length=16)),
                ('note', models.TextField(blank=True)),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attempts', to='django_tasks_database.dbtaskresult')),
            ],
            options={
                'verbose_name': 'job attempt',
                'verbose_name_plural': 'job attempts',
                'ordering': ['job', 'number'],
                'constraints': [models.UniqueConstraint(fields=('job', 'number'), name='job_attempt_number_unique')],
            },
        ),
        migrations.RunPython(grant_curators, revoke_curators),
    ]
