#!/usr/bin/env bash
# `make run`: the main job on the bundled catalogue, as a summary a person reads in one screen —
# lint it, prove it with its scenarios, compare the compliance cost of the bundled reform with
# today's, simulate a sample of dossiers under both. Each command's whole report is kept in
# OUT/ (lint.txt, scenarios.txt, cost.txt, simulate.txt); the summary names them. Exits with
# the first failing command's status.
#   bash tools/run.sh MOTCUA OUT
set -u
bin=${1:?usage: run.sh MOTCUA OUT}
out=${2:?usage: run.sh MOTCUA OUT}
mkdir -p "$out"
status=0

# step NAME COMMAND…: runs it with its report in OUT/NAME.txt; a failure is shown whole (its
# first 40 lines but passing scenarios) and its status kept.
step() {
    local name=$1 rc
    shift
    "$@" >"$out/$name.txt" 2>&1
    rc=$?
    if [ "$rc" != 0 ]; then
        echo "motcua $2 failed (exit $rc):"
        grep -v "^ok " "$out/$name.txt" | head -n 40
        [ "$status" = 0 ] && status=$rc
    fi
    return "$rc"
}

echo "== lint: the bundled catalogue"
step lint "$bin" lint --catalogue . && tail -n 1 "$out/lint.txt"

echo
echo "== scenarios (tests/scenarios)"
if step scenarios "$bin" test tests/scenarios --catalogue .; then
    # the warnings and the count; each passing scenario is in the report
    grep -v '^ok ' "$out/scenarios.txt" | grep -E 'warning|^not ok|passed, [0-9]+ failed' | head -n 20
fi

echo
echo "== compliance cost: reform data-simplification-2026 against today (2026-01-15)"
if step cost "$bin" cost --reform data-simplification-2026 --date 2026-01-15 --catalogue .; then
    head -n 1 "$out/cost.txt"
    # the header of the table, the total and its two parts
    awk '/^procedure / { print } /^total / || /^  from (statistics|assumptions)/ { print }' "$out/cost.txt"
    grep "^the state's fee revenue" "$out/cost.txt"
    grep "^left out, superseded" "$out/cost.txt"
    # the five changes worth most, as the committee reads them
    echo "the changes worth most (a year, in the order applied):"
    grep -E '^ {0,2}[0-9]+ ' "$out/cost.txt" | sed 's/  */ /g' |
        awk '{ v = $(NF-1); gsub(",", "", v); print v "\t" $0 }' |
        sort -rn | head -n 5 | cut -f2 | sed 's/^/  /'
fi

echo
echo "== simulation: 20,000 dossiers under both"
if step simulate "$bin" simulate --reform data-simplification-2026 --from 2026-01-15 \
    --dossiers 20000 --seed 1 --catalogue .; then
    # the headline lines of each block: per dossier, a year, and the Decision 766 indicators
    head -n 1 "$out/simulate.txt"
    grep -E '^ +baseline +reform|^(documents asked|visits|applicant cost per|lead time, mean|on time)' "$out/simulate.txt" | head -n 6
    grep -E '^(applicant cost, legal method|  motcua cost|  legal method against|fee revenue|officer staff-days)' "$out/simulate.txt"
    awk '/^indicators/ { on = 1 } on && /^$/ { exit } on { print }' "$out/simulate.txt"
fi

echo
echo "whole reports: $out/lint.txt, scenarios.txt, cost.txt, simulate.txt"
exit "$status"
