#!/usr/bin/env bash
# Renders pages written by `motcua cost|report --html` in headless Chromium and checks them:
# the browser's DOM has the page's tables and SVG charts with every element the file holds (so
# the markup parsed as written); the page is self-contained: it forbids every load from outside
# (Content-Security-Policy default-src 'none'), so that any load it tried would be refused and
# logged, and the browser logged nothing; and a screenshot (PAGE with .png for .html,
# 1200×2000) was taken.
#
#   bash tools/check-html.sh PAGE...
#
# Prints "ok N - PAGE: …" or "not ok N - PAGE: why" per page. Exit status: 0 when every page
# passed, 1 when one failed, 2 for a usage error, 77 (skipped) when Chromium is not installed.
# CHROMIUM may name the browser.
set -u
if [ $# -eq 0 ]; then
    echo "usage: check-html.sh PAGE..." >&2
    exit 2
fi
browser=${CHROMIUM:-}
if [ -z "$browser" ]; then
    for b in chromium chromium-browser /usr/bin/chromium; do
        if command -v "$b" >/dev/null 2>&1; then
            browser=$(command -v "$b")
            break
        fi
    done
fi
if [ -z "$browser" ] || ! command -v "$browser" >/dev/null 2>&1; then
    echo "check-html: chromium is not installed (apt-get install chromium); skipped" >&2
    exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# No network, no first-run work, no updates; a profile of its own that goes with the run.
chrome() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --no-default-browser-check --enable-logging=stderr --v=0 \
        --user-data-dir="$work/profile" "$@"
}
count() { # count FILE PATTERN : occurrences of PATTERN (fixed string) in FILE
    grep -oF -- "$2" "$1" | wc -l
}

n=0
failed=0
for page in "$@"; do
    n=$((n + 1))
    why=""
    if [ ! -s "$page" ]; then
        why="no such page"
    else
        url="file://$(realpath "$page")"
        png="${page%.html}.png"
        [ "$png" = "$page" ] && png="$page.png"
        rm -f "$png"
        chrome --dump-dom "$url" >"$work/dom" 2>"$work/dom.log" || why="chromium failed on --dump-dom"
        if [ -z "$why" ]; then
            chrome --screenshot="$png" --window-size=1200,2000 "$url" >/dev/null \
                2>"$work/shot.log" || why="chromium failed on --screenshot"
        fi
        if [ -z "$why" ]; then
            for tag in '<table' '<svg' '<rect' '<text' '<tr' '<figure'; do
                src=$(count "$page" "$tag")
                dom=$(count "$work/dom" "$tag")
                if [ "$dom" -ne "$src" ]; then
                    why="the browser's DOM has $dom $tag elements, the file $src"
                    break
                fi
            done
        fi
        if [ -z "$why" ] && [ "$(count "$work/dom" '<svg')" -eq 0 ]; then
            why="no chart"
        fi
        if [ -z "$why" ] && [ "$(count "$work/dom" '<table')" -eq 0 ] &&
            [ "$(count "$work/dom" '<figure')" -eq 0 ]; then
            why="no table and no chart"
        fi
        if [ -z "$why" ] && ! grep -qF "content=\"default-src 'none'" "$work/dom"; then
            why="no Content-Security-Policy forbidding loads from outside"
        fi
        # The page has no script: anything on the console is a refused load or a parse error.
        if [ -z "$why" ] && grep -q 'CONSOLE' "$work/dom.log" "$work/shot.log"; then
            why="the browser said: $(grep -h 'CONSOLE' "$work/dom.log" "$work/shot.log" | head -1 | sed 's/^.*CONSOLE[^]]*] //')"
        fi
        if [ -z "$why" ] && ! head -c 8 "$png" 2>/dev/null | grep -q 'PNG'; then
            why="no screenshot"
        fi
    fi
    if [ -z "$why" ]; then
        echo "ok $n - $page: $(count "$work/dom" '<table') tables, $(count "$work/dom" '<svg') charts, screenshot $png"
    else
        echo "not ok $n - $page: $why"
        failed=$((failed + 1))
    fi
done
[ "$failed" -eq 0 ]
