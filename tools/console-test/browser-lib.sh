# Sourced by the browser checks (check-console.sh, check-track.sh, check-a11y.sh): what they need
# before they start. Sets `browser` (CHROMIUM, or Debian's /usr/bin/chromium).
#   browser_ready NAME PACKAGE: exits 77 (skipped; a failure under CI in tools/run-tests.sh)
#   when Chromium, node or npm is missing, or when tools/console-test's npm packages (PACKAGE is
#   the one NAME needs) are not there and `npm ci` from the lockfile cannot install them.
browser=${CHROMIUM:-/usr/bin/chromium}
browser_ready() {
    local name=$1 package=$2 dir
    dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    if [ ! -x "$browser" ] || ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "$name: chromium, node or npm is missing; skipped" >&2
        exit 77
    fi
    if [ ! -d "$dir/node_modules/$package" ] &&
        ! (cd "$dir" && npm ci --silent --no-audit --no-fund >&2); then
        echo "$name: npm ci of tools/console-test ($package) failed; skipped" >&2
        exit 77
    fi
}
