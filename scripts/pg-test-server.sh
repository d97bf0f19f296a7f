#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the test suite, listening only on a Unix socket,
# and prints the SQLAlchemy URL of a fresh test database. Usage:
#   export ASPJOC_TEST_DATABASE_URL=$(scripts/pg-test-server.sh start)
#   scripts/pg-test-server.sh stop
# PostgreSQL refuses to run as root, so as root the cluster belongs to the 'postgres' user.
set -euo pipefail

BASE=${ASPJOC_PG_DIR:-/tmp/aspjoc-pg}
DATA="$BASE/data"
SOCK="$BASE/sock"
PORT=${ASPJOC_PG_PORT:-5439}
DBNAME=${ASPJOC_PG_DB:-aspjoc_test}

bindir() {
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
BIN=$(bindir)
[ -x "$BIN/initdb" ] || { echo "PostgreSQL server programs not found; run scripts/system-deps.sh" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    mkdir -p "$BASE"
    [ "$(id -u)" -eq 0 ] && chown postgres "$BASE"
    if [ ! -f "$DATA/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$DATA" -U postgres -A trust --no-sync -E UTF8 >/dev/null
    fi
    as_owner mkdir -p "$SOCK"
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -l "$BASE/server.log" -w -o "-k $SOCK -p $PORT -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
    fi
    # A fresh test database, and none left over from earlier runs' per-worker copies.
    for db in $(as_owner "$BIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d postgres -At -c "SELECT datname FROM pg_database WHERE datname LIKE '${DBNAME}%'"); do
      as_owner "$BIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d postgres -q -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null
    done
    as_owner "$BIN/psql" -h "$SOCK" -p "$PORT" -U postgres -d postgres -q -c "CREATE DATABASE $DBNAME" >/dev/null
    echo "postgresql+psycopg://postgres@/$DBNAME?host=$SOCK&port=$PORT"
    ;;
  stop)
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
