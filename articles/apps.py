from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Archive")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete

        from articles import (
            dictionary,  # noqa: F401 - registers the dictionary signals
            planner,
        )
        from articles.admin.jobs import replace_task_result_admin
        from articles.importing.uploads import delete_upload_with_batch
        from articles.models import ImportBatch

        post_delete.connect(delete_upload_with_batch, sender=ImportBatch)
        connection_created.connect(planner.install, dispatch_uid="articles.planner")
        replace_task_result_admin()
