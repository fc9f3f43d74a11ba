import sys

from django.core.management.base import BaseCommand

from articles.exporting import iter_jsonl


class Command(BaseCommand):
    help = "Write all articles as JSON Lines, ordered by canonical URL."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", help="file to write (default: stdout)")
        parser.add_argument(
            "--enriched", action="store_true", help="add derived companies and event to each line"
        )

    def handle(self, *args, output, enriched, **options):
        lines = iter_jsonl(enriched=enriched)
        if output and output != "-":
            with open(output, "w", encoding="utf-8", newline="\n") as handle:
                handle.writelines(lines)
        else:
            sys.stdout.writelines(lines)
            sys.stdout.flush()
