#!/usr/bin/env bash
# `make run`: migrate the embedded SQLite database under ./var, load demo data (idempotent),
# start the background-task worker and the web app, and print where to go.
set -euo pipefail
HOST="${1:-127.0.0.1}"
PORT="${2:-8000}"
BIN=.venv/bin

mkdir -p var
"$BIN/urikake" migrate --no-input -v 0
"$BIN/urikake" demo

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$BIN/urikake" worker --no-startup-delay >> var/worker.log 2>&1 &
pids+=($!)

cat <<MSG

  Urikake を起動しました / Urikake is running:

    http://${HOST}:${PORT}/            トップ / top page
    http://${HOST}:${PORT}/healthz     稼働状況 / health (database, worker)
    http://${HOST}:${PORT}/api/docs    API ドキュメント / OpenAPI docs
    http://${HOST}:${PORT}/admin/      管理画面 / admin

  ワーカーのログ / worker log: var/worker.log    終了 / stop: Ctrl+C

MSG
"$BIN/urikake" runserver "${HOST}:${PORT}" --noreload
