#!/usr/bin/env bash
# Installs (when missing) and starts what the test suite needs beyond Python packages:
# Debian's Chromium for the browser tests and a PostgreSQL server for the audit-store tests.
# Prints `export` lines for the environment the tests read; `make test` evals them.
set -euo pipefail

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || need_apt+=(postgresql)
if ((${#need_apt[@]})); then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing ${need_apt[*]}: run as root or install them with apt-get" >&2
        exit 1
    fi
    echo "installing ${need_apt[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >&2
fi

pg_version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^${pg_version} main$"; then
    pg_createcluster "${pg_version}" main >&2
fi
if ! pg_lsclusters -h | grep -q "^${pg_version} *main .*online"; then
    pg_ctlcluster "${pg_version}" main start >&2
fi

PGPORT="$(pg_lsclusters -h | awk -v v="${pg_version}" '$1==v && $2=="main" {print $3}')"
run_psql() { runuser -u postgres -- psql -p "${PGPORT}" -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ "$(run_psql -c "SELECT 1 FROM pg_roles WHERE rolname='console_test'")" != "1" ]; then
    run_psql -c "CREATE ROLE console_test LOGIN SUPERUSER PASSWORD 'console_test'" >&2
fi
if [ "$(run_psql -c "SELECT 1 FROM pg_database WHERE datname='console_test'")" != "1" ]; then
    run_psql -c "CREATE DATABASE console_test OWNER console_test" >&2
fi

echo "export CONSOLE_TEST_POSTGRES_URL='postgresql+psycopg://console_test:console_test@127.0.0.1:${PGPORT}/console_test'"
echo "export CONSOLE_CHROMIUM='$(command -v chromium)'"
