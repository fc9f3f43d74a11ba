#!/usr/bin/env bash
# `make run`: the development web server and the job worker, side by side.
# Ctrl-C (or a TERM to this script) stops both. The worker gets two signals: the
# first stops it taking jobs, the second interrupts a running job, which goes back to
# the queue and is run again by the next worker (articles/jobs/worker.py).
# Usage: scripts/run_dev.sh PYTHON HOST:PORT
set -u
python=$1
address=$2

"$python" manage.py run_worker &
worker=$!
"$python" manage.py runserver "$address" &
web=$!

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" 2>/dev/null
  sleep 0.5
  kill -TERM "$worker" 2>/dev/null
  for _ in $(seq 100); do
    kill -0 "$web" 2>/dev/null || kill -0 "$worker" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$web" "$worker" 2>/dev/null
  wait
}
trap stop INT TERM EXIT

# Either one ending (a crash, a port in use) stops the other.
wait -n "$web" "$worker"
