#!/usr/bin/env bash
# `motcua simulate --calibrate-from STORE` (issue 23) from the command line: the back-test's
# store (made by test_calibrate with the figures of tests/fixtures/calibrate/truth) calibrated
# against base/, whose figures are wrong; the layer written, loaded over base/ and simulated to
# the store's on-time rate; then each failure — a missing store, an empty one, a store of another
# catalogue, an --out that cannot be written, options that only a simulation takes — as one line
# of error with nothing written. TAP output.
#   bash tests/calibrate.sh MOTCUA TEST_CALIBRATE
set -u
bin=${1:?usage: calibrate.sh MOTCUA TEST_CALIBRATE}
maker=${2:?usage: calibrate.sh MOTCUA TEST_CALIBRATE}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
case $maker in /*) ;; *) maker=$PWD/$maker ;; esac
fix=$PWD/tests/fixtures/calibrate
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the store, made from the repository's root (the fixtures' paths)
MC_CALIBRATE_STORE=$tmp/agency.db "$maker" >/dev/null || { echo "not ok 1 - the store is made"; exit 1; }
cd "$tmp" || exit 1
n=0
check() { # check NAME COMMAND… : the command must succeed
    n=$((n + 1))
    local name=$1
    shift
    if "$@" >"$tmp/out" 2>"$tmp/err"; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name"
        sed 's/^/# /' "$tmp/out" "$tmp/err" | head -20
    fi
}
calibrate() { "$bin" simulate --catalogue "$fix/base" "$@"; }
# fails WANT_STATUS MESSAGE COMMAND… : exits WANT_STATUS with MESSAGE as its only output (on
# stderr), and leaves no folder "calibrated" nor file out.proc behind
fails() {
    local want=$1 msg=$2 rc
    shift 2
    rm -rf calibrated out.proc
    "$@" >f.out 2>f.err
    rc=$?
    [ "$rc" = "$want" ] || { echo "exit $rc, not $want" >&2; cat f.out f.err >&2; return 1; }
    [ ! -s f.out ] || { echo "stdout not empty" >&2; cat f.out >&2; return 1; }
    [ "$(cat f.err)" = "$msg" ] || { echo "stderr: $(cat f.err)" >&2; return 1; }
    [ ! -e calibrated ] && [ ! -e out.proc ] || { echo "something was written" >&2; return 1; }
}

check "calibrated: the summary" bash -c "
    '$bin' simulate --catalogue '$fix/base' --calibrate-from agency.db > sum.txt &&
    diff - sum.txt <<'END'
calibrate: 2 procedures from 18,000 dossiers submitted 2025-01-01 to 2025-12-31 (365 days): 2 volumes, 10 takes, 18 chances
calibrate: on time in the store: 80.6% of 18,000 finished dossiers
wrote calibrated/procedures/calibrated.proc (load it over the catalogue: --catalogue … --catalogue calibrated)
END"
check "the layer names its source, period and sample sizes" bash -c "
    f=calibrated/procedures/calibrated.proc &&
    grep -qxF '# 18,000 dossiers submitted from 2025-01-01 to 2025-12-31 (365 days).' \$f &&
    grep -qxF '    volume 12000 per year    # 12,000 dossiers submitted in 365 days' \$f &&
    grep -qx '        # 13,871 dossiers left this state (mean 1.76wd, sd 0.73wd)' \$f &&
    grep -qxF '        on approve chance 80.0%    # 11,091 dossiers' \$f"
check "the layer loads over the catalogue, clean" bash -c "
    '$bin' lint --catalogue '$fix/base' --catalogue calibrated | grep -q ': 0 errors, 0 warnings\$'"
check "lint --layers: the layer extends both procedures" bash -c "
    '$bin' lint --layers --catalogue '$fix/base' --catalogue calibrated |
    grep -qxF \"layer 2 'calibrated' (1 file): extends 2 procedures\""
check "calibrated volumes are statistics: no longer assumed" bash -c "
    '$bin' simulate --catalogue '$fix/base' --dossiers 100 --from 2025-01-01 |
    grep -qF '2 of the 2 procedures declare figures that are assumptions' &&
    ! '$bin' simulate --catalogue '$fix/base' --catalogue calibrated --dossiers 100 --from 2025-01-01 |
    grep -q 'declare figures that are assumptions'"
check "simulated over the layer: the store's on-time rate within 2 points" bash -c "
    '$bin' simulate --catalogue '$fix/base' --catalogue calibrated --year --from 2025-01-01 --runs 5 |
    awk '/^on time \\(%\\)/ { d = \$4 - 80.6; if (d < 0) d = -d; ok = d <= 2 } END { exit !ok }'"
check "--out FILE.proc writes that file" bash -c "
    '$bin' simulate --catalogue '$fix/base' --calibrate-from agency.db --out mine.proc | tail -n 1 |
    grep -qxF 'wrote mine.proc (load it over the catalogue: --catalogue … --catalogue FOLDER)' &&
    cmp mine.proc calibrated/procedures/calibrated.proc"
check "calibrating again replaces the layer" bash -c "
    '$bin' simulate --catalogue '$fix/base' --calibrate-from agency.db >/dev/null &&
    cmp mine.proc calibrated/procedures/calibrated.proc && ! ls calibrated/procedures | grep -q tmp"

check "--since and --until: the period's dossiers, scaled from its days" bash -c "
    '$bin' simulate --catalogue '$fix/base' --calibrate-from agency.db --since 2025-07-01 --until 2025-12-31 --out half.proc | head -n 1 |
    grep -qx 'calibrate: 2 procedures from 9,[0-9,]* dossiers submitted 2025-07-01 to 2025-12-31 (184 days): 2 volumes, 10 takes, 18 chances' &&
    grep -q '^    volume 1[12][0-9][0-9][0-9] per year    # [0-9,]* dossiers submitted in 184 days\$' half.proc"

"$bin" tick --db empty.db --catalogue "$fix/base" --now 2025-01-01T00:00 >/dev/null
check "a missing store: one line, exit 3, nothing written" \
    fails 3 "motcua: nope.db: no such store" calibrate --calibrate-from nope.db
check "an empty store: one line, exit 1, nothing written" \
    fails 1 "motcua: the store holds no dossier: nothing to calibrate" calibrate --calibrate-from empty.db
check "a store of another catalogue: one line, exit 1, nothing written" \
    fails 1 "motcua: none of the store's 2 procedures is in the catalogue (e.g. 'permit-a'): nothing to calibrate" \
    "$bin" simulate --catalogue "$fix/other" --calibrate-from agency.db
touch plain
check "an --out that cannot be written: one line, exit 3, nothing written" \
    fails 3 "motcua: cannot write plain/sub: Not a directory" calibrate --calibrate-from agency.db --out plain/sub
check "an --out FILE.proc in a missing folder: one line, exit 3" \
    fails 3 "motcua: cannot write missing/out.proc: No such file or directory" calibrate --calibrate-from agency.db --out missing/out.proc
check "--calibrate-from with a simulation's option: a usage error" \
    fails 2 "motcua: --calibrate-from writes a catalogue layer and simulates nothing: --dossiers does not go with it (see 'motcua help')" \
    calibrate --calibrate-from agency.db --dossiers 10
check "a period with no dossier: one line, exit 1, nothing written" \
    fails 1 "motcua: the store holds no dossier submitted from 2026-01-01 on: nothing to calibrate" \
    calibrate --calibrate-from agency.db --since 2026-01-01
check "--until before --since: a usage error" \
    fails 2 "motcua: --until is before --since (see 'motcua help')" \
    calibrate --calibrate-from agency.db --since 2025-02-01 --until 2025-01-31
check "--calibrate-from with no store: a usage error" \
    fails 2 "motcua: --calibrate-from needs a store (see 'motcua help')" calibrate --calibrate-from ''
echo "1..$n"
