from django.core.management.base import BaseCommand, CommandError

from articles.dictionary import current_matcher
from articles.enrichment import enrich_articles
from articles.management.progress import terminal_progress
from articles.models import Article


class Command(BaseCommand):
    help = "Re-segment and re-link stored articles with the current dictionaries."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every article")
        which.add_argument(
            "--changed-dictionary",
            action="store_true",
            help="articles enriched before the company dictionary last changed",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, all, changed_dictionary, no_progress, **options):
        version, _matcher = current_matcher()
        articles = Article.objects.all()
        if changed_dictionary:
            articles = articles.exclude(dictionary_version=version)
        ids = list(articles.values_list("pk", flat=True))
        if not ids and not all and not changed_dictionary:
            raise CommandError("nothing selected")
        progress = terminal_progress(self.stderr, enabled=not no_progress)
        count = enrich_articles(ids, progress=progress)
        self.stdout.write(f"enriched {count} article(s) with dictionary version {version}")
