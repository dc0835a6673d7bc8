#!/usr/bin/env bash
# The module check of `make test` (docs/architecture.md, "Modules within a layer"): no module
# calls a module that calls it back, as the built objects say. A module is one object of
# BUILD/src (default build/), named by its path there (engine/clock); module A calls module B
# when A's object leaves undefined a symbol that B's object defines (`nm`). The check fails on
# any cycle of that graph, naming it with a symbol of each edge, except through the edges below
# that are calls back by design. Prints TAP lines (tests/tap.sh). Exit status 1 on a failure.
#   bash tools/check-cycles.sh [BUILD]
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/tap.sh
. tests/tap.sh
build=${1:-build}

# The calls back by design, one line each: CALLER CALLEE REASON. Each closes a cycle the layers
# want: an edge left out of the graph, so that any other cycle through these modules still fails.
by_design='
base/alloc base/json alloc.c installs the Jansson hooks of json.c, which allocate in alloc.c
store/store store/sqlite store.c picks the backend table at mc_store_open; backends use its helpers
store/store store/pg store.c picks the backend table at mc_store_open; backends use its helpers
'

# The objects whose source still exists (an object left behind by a removed file is no module).
objs=()
while IFS= read -r o; do
    m=${o#"$build"/src/}
    m=${m%.o}
    [ -e "src/$m.c" ] && objs+=("$o")
done < <(find "$build/src" -name '*.o' 2>/dev/null | LC_ALL=C sort)
if [ "${#objs[@]}" -eq 0 ]; then
    fail "the objects of $build/src are built" "no object under $build/src: run make first"
    echo "1..$n"
    exit 1
fi

if ! names=$(nm -A "${objs[@]}" 2>&1); then
    fail "the objects of $build/src read with nm" "$(printf '%s\n' "$names" | head -n 3)"
    echo "1..$n"
    exit 1
fi
out=$(printf '%s\n' "$names" | LC_ALL=C awk -v prefix="$build/src/" -v by_design="$by_design" '
    # nm -A: "FILE:ADDRESS TYPE SYMBOL" (defined) or "FILE: U SYMBOL" (undefined).
    {
        i = index($0, ":")
        m = substr($0, length(prefix) + 1, i - length(prefix) - 3) # without prefix and ".o"
        if (!(m in seen)) { seen[m] = 1; mods[++nmods] = m }
        rest = substr($0, i + 1)
        k = split(rest, f, " ")
        if (k == 2 && f[1] == "U") { nu[m]++; und[m, nu[m]] = f[2] }
        else if (k == 3 && f[2] ~ /^[TDBRCGSVW]$/ && !(f[3] in def)) def[f[3]] = m
    }
    END {
        nd = split(by_design, lines, "\n")
        for (i = 1; i <= nd; i++) {
            if (split(lines[i], w, " ") < 3) continue
            skip[w[1], w[2]] = 1
            nskip++; skipfrom[nskip] = w[1]; skipto[nskip] = w[2]
        }
        # the graph: edge sym[a, b] (its smallest symbol), successors succ[a, 1..ns[a]]
        for (a = 1; a <= nmods; a++) {
            m = mods[a]
            for (j = 1; j <= nu[m]; j++) {
                s = und[m, j]
                if (!(s in def) || def[s] == m) continue
                t = def[s]
                if (!((m, t) in sym)) { sym[m, t] = s; ns[m]++; succ[m, ns[m]] = t }
                else if (s < sym[m, t]) sym[m, t] = s
            }
        }
        # a by-design edge that no longer exists is a stale exception
        for (i = 1; i <= nskip; i++) {
            if ((skipfrom[i], skipto[i]) in sym)
                print "design\t" skipfrom[i] " -> " skipto[i] " (" sym[skipfrom[i], skipto[i]] ")"
            else print "stale\t" skipfrom[i] " -> " skipto[i]
        }
        # what each module reaches, over the edges not by design
        for (a = 1; a <= nmods; a++) {
            v = mods[a]; top = 0; stack[++top] = v
            while (top > 0) {
                x = stack[top--]
                for (j = 1; j <= ns[x]; j++) {
                    y = succ[x, j]
                    if ((x, y) in skip || (v, y) in reach) continue
                    reach[v, y] = 1; stack[++top] = y
                }
            }
        }
        # one line per cycle: the shortest through the first module of each strongly connected set
        for (a = 1; a <= nmods; a++) {
            v = mods[a]
            if (!((v, v) in reach) || (v in done)) continue
            knot = ""
            for (b = 1; b <= nmods; b++)
                if ((v, mods[b]) in reach && (mods[b], v) in reach) {
                    done[mods[b]] = 1; knot = knot " " mods[b]
                }
            # breadth first from v back to v, within the set
            split("", from); head = 1; tail = 0; q[++tail] = v; found = ""
            while (head <= tail && found == "") {
                x = q[head++]
                for (j = 1; j <= ns[x]; j++) {
                    y = succ[x, j]
                    if ((x, y) in skip || !(y in done)) continue
                    if (y == v) { found = x; break }
                    if (y in from) continue
                    from[y] = x; q[++tail] = y
                }
            }
            path = v " (" sym[found, v] ")"
            for (x = found; x != v; x = from[x]) path = x " (" sym[from[x], x] ") -> " path
            print "cycle\t" v " -> " path "\t" substr(knot, 2)
        }
        print "modules\t" nmods
    }')

modules=$(printf '%s\n' "$out" | awk -F'\t' '$1 == "modules" { print $2 }')
ok "the objects of $build/src read with nm ($modules modules)"
stale=$(printf '%s\n' "$out" | awk -F'\t' '$1 == "stale" { print $2 }')
if [ -z "$stale" ]; then
    ok "every call back by design still exists"
else
    fail "every call back by design still exists" \
        "no longer called, remove it from tools/check-cycles.sh: $stale"
fi
cycles=$(printf '%s\n' "$out" | awk -F'\t' '$1 == "cycle" { print $2 "\t" $3 }')
if [ -z "$cycles" ]; then
    ok "no module calls one that calls it back (but the calls back by design)"
else
    while IFS=$'\t' read -r c knot; do
        fail "a call cycle between modules: $c" \
            "after each module, a symbol of it that the module before calls" \
            "the modules that reach each other: $knot" \
            "move a function into the lower module, or argue the call back in tools/check-cycles.sh"
    done <<<"$cycles"
fi
echo "1..$n"
[ -z "$stale" ] && [ -z "$cycles" ]
