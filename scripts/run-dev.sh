#!/usr/bin/env bash
# `make run`: migrate the embedded SQLite database under ./var, load demo data (idempotent),
# start the background-task worker and the web app, and print where to go.
set -euo pipefail
HOST="${1:-127.0.0.1}"
PORT="${2:-8000}"
BIN=.venv/bin
# Where the eKYC simulator sends its webhooks, and the links in mails point.
export SITE_URL="${SITE_URL:-http://${HOST}:${PORT}}"
# Contract seals are timestamped by the local RFC 3161 TSA simulator (PAdES B-T).
export CONTRACT_TSA_URL="${CONTRACT_TSA_URL:-http://127.0.0.1:8767/}"

mkdir -p var
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$BIN/urikake" migrate --no-input -v 0
"$BIN/urikake" createcachetable  # also done by migrate (system 0002); harmless
# A local time-stamping authority (RFC 3161) for the PAdES seal on contracts; up before the
# demo data, whose contracts are signed.
"$BIN/urikake" tsa_simulator >> var/tsa-simulator.log 2>&1 &
pids+=($!)
# The screening vendors (反社チェック, 信用情報機関): screening asks them, the demo data too.
"$BIN/urikake" antisocial_simulator >> var/antisocial-simulator.log 2>&1 &
pids+=($!)
"$BIN/urikake" credit_bureau_simulator >> var/credit-bureau-simulator.log 2>&1 &
pids+=($!)
"$BIN/python" - <<'PY'
import time, urllib.request
for port in (8767, 8768, 8769):
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
PY
"$BIN/urikake" demo

"$BIN/urikake" worker --no-startup-delay >> var/worker.log 2>&1 &
pids+=($!)
# A local stand-in for the eKYC vendor: decides each check after 3 seconds (verified, unless
# the name contains 却下) and calls our signed webhook.
"$BIN/urikake" ekyc_simulator --auto-complete-after 3 >> var/ekyc-simulator.log 2>&1 &
pids+=($!)
# A local stand-in for the bank API: statement pulls at /my/bank/ (accounts acc_demo_main, acc_demo_sub).
"$BIN/urikake" bank_simulator >> var/bank-simulator.log 2>&1 &
pids+=($!)
# A local stand-in for the SMS gateway: notifications and phone codes (outbox over HTTP).
"$BIN/urikake" sms_simulator >> var/sms-simulator.log 2>&1 &
pids+=($!)

cat <<MSG

  Urikake を起動しました / Urikake is running:

    http://${HOST}:${PORT}/            トップ / top page
    http://${HOST}:${PORT}/healthz     稼働状況 / health (database, worker)
    http://${HOST}:${PORT}/api/docs    API ドキュメント / OpenAPI docs
    http://${HOST}:${PORT}/admin/      管理画面 / admin
    http://127.0.0.1:8765/_simulator/   eKYC シミュレーター / eKYC vendor simulator
    http://127.0.0.1:8766/healthz       銀行API シミュレーター / bank API simulator
    http://127.0.0.1:8767/healthz       タイムスタンプ局 シミュレーター / RFC 3161 TSA simulator
    http://127.0.0.1:8768/healthz       反社チェック シミュレーター / anti-social-forces screening
    http://127.0.0.1:8769/healthz       信用情報機関 シミュレーター / credit bureau simulator
    http://127.0.0.1:8770/_simulator/messages  SMS シミュレーター（受信一覧）/ SMS gateway outbox

  ログ / logs: var/worker.log, var/ekyc-simulator.log, var/bank-simulator.log, var/tsa-simulator.log,
        var/antisocial-simulator.log, var/credit-bureau-simulator.log, var/sms-simulator.log    終了 / stop: Ctrl+C

MSG
"$BIN/urikake" runserver "${HOST}:${PORT}" --noreload
