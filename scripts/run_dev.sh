#!/usr/bin/env bash
# `make run`: the development web server and the job worker, side by side.
# Ctrl-C (or a TERM to this script) stops both, one after the other (the embedded
# database's client library trips over two processes exiting at the same moment).
# The worker gets two signals: the first stops it taking jobs, the second interrupts
# a running job, which goes back to the queue for the next worker (articles/jobs).
# Usage: scripts/run_dev.sh PYTHON HOST:PORT
set -u
set -m  # each child in its own process group: a terminal's Ctrl-C reaches only this script
python=$1
address=$2

"$python" manage.py run_worker &
worker=$!
"$python" manage.py runserver "$address" &
web=$!

wait_for_exit() {  # pid, tenths of a second
  for _ in $(seq "$2"); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$1" 2>/dev/null
}

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" 2>/dev/null && wait_for_exit "$web" 50
  kill -TERM "$worker" 2>/dev/null && sleep 0.3 && kill -TERM "$worker" 2>/dev/null
  wait_for_exit "$worker" 100
  wait
}
trap stop INT TERM EXIT

# Either one ending (a crash, a port in use) stops the other.
wait -n "$web" "$worker"
