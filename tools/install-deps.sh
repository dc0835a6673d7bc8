#!/usr/bin/env bash
# Installs what motcua needs to build and test on a fresh Debian machine (run as root).
# Chromium renders the --html pages in `make test` (tools/check-html.sh); the sqlite3 shell lets
# tests/cli.sh tamper with a store as an attacker would; postgresql gives the tests a throwaway
# server (tools/pg-cluster.sh) for the store's second backend, libpq-dev its client library.
set -euo pipefail
pkgs=(build-essential pkg-config clang liblua5.4-dev libpcre2-dev libsqlite3-dev
      libcmocka-dev libsodium-dev libjansson-dev libmicrohttpd-dev libunistring-dev sqlite3
      curl graphviz python3 chromium libpq-dev postgresql)
# tests/nginx.sh: Debian's nginx in front of serve, with a certificate made by openssl.
pkgs+=(nginx openssl)
# tests/metrics.sh: a real Prometheus scraping serve.
pkgs+=(prometheus)
# src/connect: the live registries' HTTPS client (libcurl over OpenSSL); tests/registry.sh's
# test service serves TLS through libmicrohttpd and checks client certificates with GnuTLS.
pkgs+=(libcurl4-openssl-dev libgnutls28-dev)
# The browser tests and the accessibility audit (tools/check-console.sh, check-track.sh,
# check-a11y.sh): Node with npm, for playwright-core and lighthouse (tools/console-test; 12.x
# runs on Node 18 and 20). Debian's npm is a package of its own; another Node (NodeSource's)
# brings its npm along.
pkgs+=(nodejs)
# tools/check-console.sh reads the printed forms as PDF (pdftotext) and draws them (pdftoppm).
pkgs+=(poppler-utils)
# `cost --xlsx` writes its workbook with libxlsxwriter; tests/briefing.sh recalculates it headless
# with LibreOffice Calc (no GUI) and compares its figures with the CSV.
pkgs+=(libxlsxwriter-dev libreoffice-calc-nogui)
# lint proves that the guards of one event never hold together with Z3 (src/analysis/prove.c).
pkgs+=(libz3-dev)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
fi
