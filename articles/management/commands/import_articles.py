from django.core.management.base import BaseCommand, CommandError

from articles.importing.service import import_paths
from articles.management.progress import terminal_progress


class Command(BaseCommand):
    help = (
        "Import article records (seed .txt format or JSON Lines) "
        "from files, directories, globs or '-'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", help="files, directories (recursive), globs, or - for stdin"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report; change nothing"
        )
        parser.add_argument("--strict", action="store_true", help="import all records or none")
        parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")

    def handle(self, *args, paths, dry_run, strict, no_progress, **options):
        progress = terminal_progress(self.stderr, enabled=not no_progress)
        report = import_paths(paths, dry_run=dry_run, strict=strict, progress=progress)
        for error in report.errors:
            self.stderr.write(str(error))
        self.stdout.write(report.summary())
        for warning in report.warnings:  # after the errors and summary: the last word
            self.stderr.write(self.style.WARNING(f"WARNING: {warning}"))
        if report.errors:
            raise CommandError(f"{report.failed} problem(s) found", returncode=1)
