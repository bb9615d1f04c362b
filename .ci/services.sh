#!/usr/bin/env bash
# Installs (apt) and starts the database and cache servers the test suite uses,
# all bound to 127.0.0.1 on private ports, and writes their URLs to .ci/services.env.
#   bash .ci/services.sh start   # install if needed, start, write env file
#   bash .ci/services.sh stop    # stop everything started by "start"
#   bash .ci/services.sh restart
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${TINA4_SERVICES_DIR:-/tmp/tina4-services}"
ENV_FILE="$ROOT/.ci/services.env"
PG_PORT=55432; MY_PORT=53306; FB_PORT=53050; REDIS_PORT=56379; VALKEY_PORT=56380; MC_PORT=51211

log() { printf '[services] %s\n' "$*"; }

install_packages() {
  local need=()
  [ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgresql)
  command -v mariadbd >/dev/null || need+=(mariadb-server)
  [ -x /usr/sbin/firebird ] || need+=(firebird3.0-server)
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v memcached >/dev/null || need+=(memcached)
  # the browser tests drive Debian's chromium (/usr/bin/chromium) with playwright-core
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # the TFB benchmark's CI run (test/bench/tfb-validation.test.ts) generates load with wrk
  command -v wrk >/dev/null || need+=(wrk)
  local need_valkey=0
  command -v valkey-server >/dev/null || need_valkey=1
  if [ ${#need[@]} -eq 0 ] && [ $need_valkey -eq 0 ]; then return; fi
  local all="${need[*]}"; [ $need_valkey -eq 1 ] && all="$all valkey-server (bookworm-backports)"
  log "installing with apt-get: ${all# }"
  log "  (first run on a clean machine only: a few hundred MB, typically 2-6 minutes; full log in $APT_LOG)"
  if [ $need_valkey -eq 1 ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list
  fi
  export DEBIAN_FRONTEND=noninteractive
  : > "$APT_LOG"
  local started=$SECONDS
  apt_run "apt-get update" update -q
  if [ ${#need[@]} -gt 0 ]; then
    apt_run "apt-get install ${need[*]}" install -y -q --no-install-recommends "${need[@]}"
  fi
  if [ $need_valkey -eq 1 ]; then
    apt_run "apt-get install valkey-server" install -y -q --no-install-recommends -t bookworm-backports valkey-server
  fi
  log "packages installed in $((SECONDS - started)) s"
}

APT_LOG="${TMPDIR:-/tmp}/tina4-services-apt.log"

# apt_run LABEL APT-GET-ARGS...: a start line, progress lines (download size, every 25th
# download, each package set up, with elapsed seconds), an end line with the time taken.
# apt's full output goes to $APT_LOG; on failure its last lines are shown.
apt_run() {
  local label="$1" started=$SECONDS
  shift
  log "$label: started"
  if ! apt-get "$@" 2>&1 | tee -a "$APT_LOG" | apt_progress "$started"; then
    log "$label failed after $((SECONDS - started)) s; last lines of $APT_LOG:"
    grep -Ev '^(Get|Hit|Ign):' "$APT_LOG" | tail -n 30 | sed 's/^/    /' >&2
    exit 1
  fi
  log "$label: done in $((SECONDS - started)) s"
}

apt_progress() { # STARTED (value of $SECONDS when the step began)
  local line fetched=0
  while IFS= read -r line; do
    case "$line" in
      "Need to get "*) log "  ${line%.}" ;;
      Get:*) fetched=$((fetched + 1)); [ $((fetched % 25)) -eq 0 ] && log "  +$((SECONDS - $1)) s  downloaded $fetched packages" ;;
      "Setting up "*) line="${line#Setting up }"; log "  +$((SECONDS - $1)) s  set up ${line%% *}" ;;
    esac
  done
  return 0
}

wait_port() { # host port seconds
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "timed out waiting for $1:$2"; return 1
}

# A server that is not answering always starts from an empty data directory: a directory
# left behind by a killed run (stale socket, pid file, half-recovered logs) must never
# decide whether this run works. Test data is disposable by design.
fresh_dir() { rm -rf "$1"; mkdir -p "$1"; }

# fail_with NAME LOGFILE: print the server's own words before giving up
fail_with() {
  log "$1 did not start; last lines of $2:"
  tail -n 30 "$2" 2>/dev/null | sed 's/^/    /' >&2 || true
  exit 1
}

PG_PASSWORD=tina4pass

# Password (scram-sha-256) auth for every connection, local socket included, so the
# wrong-password case of the PostgreSQL tests is really checked (trust accepts anything).
start_postgres() {
  local dir="$STATE/pg"
  fresh_dir "$dir"; chown postgres "$dir"
  printf '%s\n' "$PG_PASSWORD" > "$STATE/pg.pwfile"; chown postgres "$STATE/pg.pwfile"; chmod 600 "$STATE/pg.pwfile"
  su postgres -c "/usr/lib/postgresql/15/bin/initdb -D $dir -U postgres -A scram-sha-256 --pwfile=$STATE/pg.pwfile --no-sync" >/dev/null
  rm -f "$STATE/pg.pwfile"
  su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D $dir -w -t 60 -l $dir/log -o \"-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir -c fsync=off -c max_connections=300\" start" >/dev/null \
    || fail_with postgresql "$dir/log"
  PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -qc "create database tina4_test" >/dev/null
  PGPASSWORD="$PG_PASSWORD" psql -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -qc "create database tina4_test2" >/dev/null
}

# A PostgreSQL left running by an older start (trust auth) would make the auth tests fail: replace it.
postgres_checks_passwords() {
  ! PGPASSWORD=not-the-password psql -h 127.0.0.1 -p $PG_PORT -U postgres -d postgres -tAc "select 1" >/dev/null 2>&1
}

start_mariadb() {
  local dir="$STATE/mariadb" pid i
  fresh_dir "$dir"
  mariadb-install-db --user=root --datadir="$dir" --skip-test-db >"$STATE/mariadb-install.log" 2>&1 \
    || fail_with mariadb "$STATE/mariadb-install.log"
  # setsid: a server started from a shell whose process group is later killed (a tool's job,
  # a terminal closing) keeps running; redis and valkey daemonize themselves, these do not
  setsid mariadbd --no-defaults --user=root --datadir="$dir" --socket="$dir/sock" --port=$MY_PORT \
    --bind-address=127.0.0.1 --max-connections=300 --innodb-flush-log-at-trx-commit=0 >"$dir/log" 2>&1 &
  pid=$!
  echo $pid > "$STATE/mariadb.pid"
  # ready means "answers a ping", not "socket file exists"
  for ((i = 0; i < 600; i++)); do
    mariadb-admin --socket="$dir/sock" -uroot ping >/dev/null 2>&1 && break
    kill -0 $pid 2>/dev/null || fail_with mariadb "$dir/log"
    sleep 0.1
  done
  [ $i -lt 600 ] || fail_with mariadb "$dir/log"
  mariadb --socket="$dir/sock" -uroot -e "CREATE DATABASE tina4_test; CREATE DATABASE tina4_test2;
    CREATE USER 'tina4'@'127.0.0.1' IDENTIFIED BY 'tina4pass';
    GRANT ALL ON *.* TO 'tina4'@'127.0.0.1'; FLUSH PRIVILEGES;"
}

start_firebird() {
  local dir="$STATE/firebird" lib=/usr/lib/x86_64-linux-gnu/firebird/3.0
  fresh_dir "$dir"; mkdir -p "$dir/data"
  for f in "$lib"/*; do
    local name; name="$(basename "$f")"
    [ "$name" = firebird.conf ] || ln -sfn "$f" "$dir/$name"
  done
  # security database must be writable by the server user: a private copy
  cp /var/lib/firebird/3.0/system/security3.fdb "$dir/security3.fdb.local"
  cat > "$dir/firebird.conf" <<CONF
RemoteServicePort = $FB_PORT
RemoteBindAddress = 127.0.0.1
SecurityDatabase = $dir/security3.fdb.local
WireCrypt = Enabled
CONF
  cat > "$dir/databases.conf" <<CONF
security.db = $dir/security3.fdb.local
CONF
  chown -R firebird:firebird "$dir"
  mkdir -p "$dir/lock"; chown firebird:firebird "$dir/lock"
  FIREBIRD="$dir" FIREBIRD_LOCK="$dir/lock" setsid setpriv --reuid firebird --regid firebird --init-groups /usr/sbin/firebird >"$dir/log" 2>&1 &
  echo $! > "$STATE/firebird.pid"
  wait_port 127.0.0.1 $FB_PORT 20 || fail_with firebird "$dir/log"
  local pw
  pw="$(sed -n 's/^ISC_PASSWORD="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/firebird/3.0/SYSDBA.password)"
  # create the test database, then set a known SYSDBA password in our private security database
  printf "CREATE DATABASE '127.0.0.1/$FB_PORT:$dir/data/test.fdb' USER 'SYSDBA' PASSWORD '%s';\n" "$pw" \
    | ISC_USER=SYSDBA ISC_PASSWORD="$pw" isql-fb -q >"$STATE/firebird-setup.log" 2>&1 || true
  printf "CONNECT '127.0.0.1/$FB_PORT:$dir/data/test.fdb' USER 'SYSDBA' PASSWORD '%s';\nALTER USER SYSDBA PASSWORD 'masterkey';\nCOMMIT;\n" "$pw" \
    | isql-fb -q >>"$STATE/firebird-setup.log" 2>&1 || true
  printf "CONNECT '127.0.0.1/$FB_PORT:$dir/data/test.fdb' USER 'SYSDBA' PASSWORD 'masterkey';\nSELECT 1 FROM RDB\$DATABASE;\n" \
    | isql-fb -q -bail >>"$STATE/firebird-setup.log" 2>&1 || fail_with firebird "$STATE/firebird-setup.log"
}

start_redis_like() { # binary port name
  "$1" --bind 127.0.0.1 --port "$2" --save '' --appendonly no --daemonize yes --pidfile "$STATE/$3.pid" >/dev/null
  wait_port 127.0.0.1 "$2" 10
}

start_memcached() {
  setsid memcached -u nobody -l 127.0.0.1 -p $MC_PORT -U 0 -m 64 >/dev/null 2>&1 &
  echo $! > "$STATE/memcached.pid"
  wait_port 127.0.0.1 $MC_PORT 10
}

running() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_once NAME PORT FUNCTION: leaves an already-running server alone (idempotent start)
start_once() {
  if running "$2"; then log "$1 already running on $2"; else $3; log "$1 on $2"; fi
}

stop_postgres() {
  [ -d "$STATE/pg" ] && su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D $STATE/pg -w -m fast stop" >/dev/null 2>&1 || true
}

stop_all() {
  stop_postgres
  for n in mariadb firebird redis valkey memcached; do
    if [ -f "$STATE/$n.pid" ]; then kill "$(cat "$STATE/$n.pid")" 2>/dev/null || true; rm -f "$STATE/$n.pid"; fi
  done
}

case "${1:-start}" in
  start)
    install_packages
    mkdir -p "$STATE"
    if running $PG_PORT && ! postgres_checks_passwords; then
      log "postgresql on $PG_PORT accepts any password (trust auth): restarting it with scram-sha-256"
      stop_postgres
    fi
    start_once postgresql $PG_PORT start_postgres
    start_once mariadb $MY_PORT start_mariadb
    start_once firebird $FB_PORT start_firebird
    start_once redis $REDIS_PORT "start_redis_like redis-server $REDIS_PORT redis"
    start_once valkey $VALKEY_PORT "start_redis_like valkey-server $VALKEY_PORT valkey"
    start_once memcached $MC_PORT start_memcached
    cat > "$ENV_FILE" <<ENV
TINA4_TEST_POSTGRES_URL=postgres://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/tina4_test
TINA4_TEST_POSTGRES_URL2=postgres://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/tina4_test2
TINA4_TEST_MYSQL_URL=mysql://tina4:tina4pass@127.0.0.1:$MY_PORT/tina4_test
TINA4_TEST_FIREBIRD_URL=firebird://SYSDBA:masterkey@127.0.0.1:$FB_PORT/$STATE/firebird/data/test.fdb
TINA4_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
TINA4_TEST_VALKEY_URL=redis://127.0.0.1:$VALKEY_PORT
TINA4_TEST_MEMCACHED_URL=memcached://127.0.0.1:$MC_PORT
ENV
    log "wrote $ENV_FILE"
    ;;
  stop) stop_all ;;
  restart) stop_all; exec "$0" start ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
