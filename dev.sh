#!/usr/bin/env bash
# Heard's two everyday commands, each self-installing on a fresh machine:
#   ./dev.sh run    serve on the embedded default (SQLite in ./data, no other server)
#   ./dev.sh test   run the whole test suite, on one pytest-xdist worker per core
#   ./dev.sh lint   check the code with ruff, the types with mypy and the layers with
#                   import-linter
#                   (both configured in pyproject.toml)
#   ./dev.sh catalogs    refresh locales/messages.pot and every catalog from the code
#   ./dev.sh languages   refresh the table of languages in docs/translating.md
# Anything after the command is passed on (e.g. ./dev.sh test -k checkin).
set -euo pipefail
cd "$(dirname "$0")"

VENV=${HEARD_VENV:-.venv}
PY="$VENV/bin/python"

ensure_env() {
  if [ ! -x "$PY" ]; then
    echo "Creating $VENV ..." >&2
    python3 -m venv "$VENV"
  fi
  # Reinstall only when the dependency list changed.
  local stamp="$VENV/.heard-installed"
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "Installing dependencies ..." >&2
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -e ".[test]"
    touch "$stamp"
  fi
}

ensure_browser() {
  # Browser tests drive Debian's Chromium; without it they are skipped (and say so).
  if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Chromium for the browser tests ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
      || echo "Chromium could not be installed; browser tests will be skipped." >&2
  fi
}

ensure_pango() {
  # PDFs (KPI board pack, care-review summaries) are laid out by WeasyPrint, which needs
  # Pango from the system. Without it Heard says so and makes no PDFs; the PDF tests
  # are skipped (and say why). pdftoppm (poppler-utils) lets the tests look at a page.
  # HarfBuzz's subsetter keeps the fonts embedded in PDFs small. Words drawn in
  # pictures need Noto fonts for every script we speak and RAQM (libraqm, libfribidi)
  # to join Arabic-script letters (cards/text.py; HEARD_FONT_DIR points elsewhere).
  # GNU gettext's msgfmt checks every catalog in the translation tests.
  if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || ! command -v pdftoppm >/dev/null 2>&1 \
      || ! ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset \
      || ! ldconfig -p 2>/dev/null | grep -q libraqm || [ ! -d /usr/share/fonts/truetype/noto ] \
      || ! command -v msgfmt >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "Installing Pango (PDFs) and poppler-utils (PDF tests) ..." >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils \
        fonts-noto-core libraqm0 libfribidi0 gettext) >/dev/null 2>&1 \
        || echo "Pango could not be installed; PDFs will not be made and their tests skipped." >&2
    fi
  fi
}

ensure_axe() {
  # Accessibility checks in the browser tests use axe-core from npm (tests/web/node_modules).
  if [ ! -f tests/web/node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null 2>&1; then
    echo "Installing axe-core for the accessibility checks ..." >&2
    (cd tests/web && npm install --no-audit --no-fund --silent) \
      || echo "axe-core could not be installed; accessibility checks will be skipped." >&2
  fi
}

local_services() {
  # Storage tests also run on PostgreSQL and Redis when they answer on this machine.
  if [ -z "${HEARD_TEST_POSTGRES_URL:-}" ] && "$PY" - <<'PYEOF' 2>/dev/null
import asyncio, asyncpg
async def main():
    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test", timeout=3)
    await conn.close()
asyncio.run(main())
PYEOF
  then
    export HEARD_TEST_POSTGRES_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/test"
  fi
  if [ -z "${HEARD_TEST_REDIS_URL:-}" ] && "$PY" -c "import redis; redis.Redis(host='127.0.0.1', port=6379, socket_timeout=2).ping()" 2>/dev/null; then
    export HEARD_TEST_REDIS_URL="redis://127.0.0.1:6379/15"
  fi
}

cmd=${1:-}
shift || true
case "$cmd" in
  run)
    ensure_env
    ensure_pango
    exec "$PY" run.py "$@"
    ;;
  lint)
    ensure_env
    "$PY" -m ruff check .
    "$PY" -m mypy
    exec "$VENV/bin/lint-imports"
    ;;
  test)
    ensure_env
    ensure_browser
    ensure_pango
    ensure_axe
    local_services
    echo "PostgreSQL tests: ${HEARD_TEST_POSTGRES_URL:-off}; Redis tests: ${HEARD_TEST_REDIS_URL:-off}" >&2
    # One pytest-xdist worker per core (each with its own database, Redis prefix and
    # temporary files; docs/testing.md). `./dev.sh test -n 0` runs in one process.
    exec "$PY" -m pytest -q -n "${HEARD_TEST_WORKERS:-auto}" "$@"
    ;;
  catalogs)
    # Strings -> locales/messages.pot -> every catalog. Babel's default keywords find
    # _(), gettext(), ngettext() with its plural and N_(); tests/test_translations.py
    # extracts the same way to check the template is current.
    ensure_env
    "$PY" -m babel.messages.frontend extract -F babel.cfg --no-location --sort-output \
      --project Heard --copyright-holder Heard --ignore-dirs=".venv tests bench testkit node_modules build" \
      -o locales/messages.pot .
    # Update every catalog (as `pybabel update --no-fuzzy-matching --ignore-obsolete`),
    # keeping each one's X-Heard-Review header, which Babel itself would drop.
    exec "$PY" -c 'from core.languages import update_catalogs; print("updated:", " ".join(update_catalogs()))'
    ;;
  languages)
    # The table of languages in docs/translating.md, from the catalogs' own headers.
    ensure_env
    exec "$PY" -c 'from pathlib import Path; from core.languages import update_doc; print("docs/translating.md", "updated" if update_doc(Path("docs/translating.md")) else "already up to date")'
    ;;
  *)
    echo "usage: ./dev.sh run [run.py arguments] | ./dev.sh test [pytest arguments] | ./dev.sh lint | ./dev.sh catalogs | ./dev.sh languages" >&2
    exit 2
    ;;
esac
