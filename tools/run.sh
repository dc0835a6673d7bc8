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
echo "== an interconnected dossier (Decree 63/2024): filed once, three agencies each do their part"
# A store of its own: the records the registries hold, the filing, each agency's decision;
# then the dossier as the receiving unit sees it. Every command's output is in OUT/interconnected.txt.
ic=$out/interconnected
rm -rf "$ic" && mkdir -p "$ic"
printf 'document,subject,reference,issued\nelectronic-birth-notice,001092013131,CS-BV-2026-0042,2026-03-01\n' >"$ic/e-health.csv"
printf 'document,subject,reference,issued\ncitizen-identity,001092013131,CCCD-001092013131,2021-06-01\nresidence-information,001092013131,CT-001092013131,2021-06-01\n' >"$ic/population.csv"
interconnected() {
    local db=$ic/store.db
    "$bin" registry import e-health "$ic/e-health.csv" --db "$db" --now 2026-03-02T08:00 --catalogue . &&
        "$bin" registry import population "$ic/population.csv" --db "$db" --now 2026-03-02T08:00 --catalogue . &&
        "$bin" submit birth-residence-insurance --field citizen-id=001092013131 \
            --field birth-date=2026-03-01 --attach interconnected-declaration --channel online \
            --db "$db" --now 2026-03-02T09:10 --catalogue . &&
        "$bin" fire 2 approve --as head --db "$db" --now 2026-03-02T10:00 --catalogue . &&
        "$bin" fire 3 approve --as head --db "$db" --now 2026-03-03T10:00 --catalogue . &&
        "$bin" fire 4 approve --as head --db "$db" --now 2026-03-05T09:00 --catalogue . &&
        "$bin" show 1 --db "$db" --now 2026-03-05T09:30 --catalogue .
}
if step interconnected interconnected; then
    # the last command's output: the dossier as it stands, without its checklist
    awk '/^dossier 1:/ { buf = ""; on = 1 } on && /checklist/ { on = 0 }
         on { buf = buf $0 "\n" } END { printf "%s", buf }' "$out/interconnected.txt"
fi

echo
echo "whole reports: $out/lint.txt, scenarios.txt, cost.txt, simulate.txt, interconnected.txt"
exit "$status"
