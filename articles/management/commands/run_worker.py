from django.core.management.base import BaseCommand, CommandError

from articles.jobs.worker import run_worker


class Command(BaseCommand):
    help = (
        "Run background jobs (uploads, large re-enrichments, merges) from the PostgreSQL "
        "queue, with a heartbeat so that a job whose worker died is run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="run the queued jobs, then exit")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls of an empty queue"
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="exit after this many")
        parser.add_argument(
            "--worker-id", default=None, help="unique id (default: host-pid-random)"
        )

    def handle(self, *args, batch, interval, max_tasks, worker_id, **options):
        if interval < 0 or (max_tasks is not None and max_tasks < 1):
            raise CommandError("--interval must be >= 0 and --max-tasks >= 1")
        if worker_id is not None and not 0 < len(worker_id) <= 64:
            raise CommandError("--worker-id must be 1 to 64 characters")
        worker_id = run_worker(
            worker_id=worker_id, batch=batch, interval=interval, max_tasks=max_tasks
        )
        self.stdout.write(f"worker {worker_id} stopped")
