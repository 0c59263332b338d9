#!/usr/bin/env bash
# Runs the BullMQ example against a Redis of its own (Debian's redis-server,
# installed if missing), on a loopback port, and stops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${REDIS_PORT:-6390}
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server; }
DIR=$(mktemp -d)
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$DIR" --daemonize yes --pidfile "$DIR/redis.pid"
trap 'kill "$(cat "$DIR/redis.pid")" 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 50); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
REDIS_PORT=$PORT node examples/bullmq/worker.js
