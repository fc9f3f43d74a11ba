from django.db import migrations


class Migration(migrations.Migration):
    """Fine-grained statistics on the search vector.

    With the default target PostgreSQL misjudged rare terms and planned "rare term,
    newest first" as a walk of the date index (15 s at 1M rows instead of 3 ms).
    """

    dependencies = [("articles", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE articles_article ALTER COLUMN search_vector SET STATISTICS 10000",
            "ALTER TABLE articles_article ALTER COLUMN search_vector SET STATISTICS -1",
        )
    ]
