from django.core.management.base import BaseCommand, CommandError

from articles.dictionary import load_company_dictionary


class Command(BaseCommand):
    help = "Load the curated company dictionary (JSON) idempotently."

    def add_arguments(self, parser):
        parser.add_argument("path", help="e.g. fixtures/companies.json")

    def handle(self, *args, path, **options):
        try:
            report = load_company_dictionary(path)
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        for error in report.errors:
            self.stderr.write(f"{path}: {error}")
        self.stdout.write(report.summary())
