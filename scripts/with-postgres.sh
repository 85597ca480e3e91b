#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster on a Unix socket in a temporary folder,
# exported to the command as ANJU_TEST_PG_URL, and removes the cluster afterwards.
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL server binaries not found" >&2; exit 1; }
dir=$(mktemp -d /tmp/anju-pg.XXXXXX)
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$dir"
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$dir/data" -U anju -A trust --data-checksums -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$dir/data" -s -w -l "$dir/log" \
  -o "-c listen_addresses='' -c unix_socket_directories=$dir -c fsync=on -c max_connections=200 \
      -c shared_buffers=256MB -c max_wal_size=4GB -c checkpoint_timeout=30min" start
export ANJU_TEST_PG_URL="postgresql+psycopg://anju@/postgres?host=$dir"
export ANJU_TEST_PG_DIR="$dir"
export PGHOST="$dir" PGUSER=anju
"$@"
