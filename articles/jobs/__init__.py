"""Durable background jobs: Django's Tasks framework on a PostgreSQL queue.

The admin hands work too long for a request (an upload's import, re-enriching or
merging many rows) to a job: ``enqueue_with_transaction`` writes a row in
django_tasks_db's queue in the request's transaction (it commits with the request's
rows, or not at all), and a separate
process, ``manage.py run_worker``, runs it. A job's arguments are ids and names only
(an upload waits under MEDIA_ROOT, its batch row points at it), so a job survives
restarts of the web and worker processes.

Modules: ``tasks`` (the @task functions and enqueueing), ``worker`` (the worker loop,
its heartbeat thread and each attempt's record), ``recovery`` (finding jobs whose
worker died, and ``worker_status`` for a readiness check).
"""
