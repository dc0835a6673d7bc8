#!/usr/bin/env bash
# The layer check of `make test` (docs/architecture.md): every file of src/LAYER/ and every
# public header includes only headers of its own layer and of the layers below it. Prints one
# line per offending include (FILE:LINE: LAYER includes HEADER of LAYER), then a TAP line.
# Exit status 1 when anything is out of place.
set -u
cd "$(dirname "$0")/.."

# The layers, lowest first: the one table of the allowed direction. front is what the two front
# ends share; cli and serve are the front ends, side by side (neither includes the other); main
# is the program (src/main.c, no folder of its own), which may start either.
layers=(base lang catalogue rules store engine analysis import connect front cli serve main)
# The layer of each public header (include/motcua/NAME.h): the module that implements it.
declare -A public=(
    [alloc]=base [error]=base [value]=base [msg]=base [lunar]=base
    [diag]=lang
    [catalogue]=catalogue [calendar]=catalogue [reform]=catalogue
    [rules]=rules [rulecheck]=rules
    [store]=store [checkpoint]=store
    [engine]=engine [access]=engine
    [cost]=analysis [study]=analysis [coverage]=analysis [calibrate]=analysis [sim]=analysis [report]=analysis [graph]=analysis [scenario]=analysis [prove]=analysis
    [registry]=import [annex]=import
    [connect]=connect
)
declare -A rank
for i in "${!layers[@]}"; do
    rank[${layers[$i]}]=$i
done

bad=0
check() { # check FILE LAYER
    local file=$1 own=$2 n=0 line header target
    while IFS= read -r line; do
        n=$((n + 1))
        [[ $line =~ ^#include\ \"([a-z0-9_/]+)\.h\" ]] || continue
        header=${BASH_REMATCH[1]}
        case $header in
        motcua/*)
            target=${public[${header#motcua/}]:-}
            if [ -z "$target" ]; then
                echo "$file:$n: include/$header.h has no layer in tools/check-layers.sh"
                bad=1
                continue
            fi
            ;;
        */*) target=${header%%/*} ;;
        *) target=$own ;; # a header of the file's own folder
        esac
        if [ -z "${rank[$target]:-}" ]; then
            echo "$file:$n: $header.h is in no layer"
            bad=1
        elif [ "${rank[$target]}" -gt "${rank[$own]}" ] ||
            { [ "$own" != "$target" ] && [ "$own" = cli -o "$own" = serve ] &&
                [ "$target" = cli -o "$target" = serve ]; }; then
            echo "$file:$n: $own includes $header.h of $target, a layer it may not use"
            bad=1
        fi
    done <"$file"
}

for l in "${layers[@]}"; do
    for f in src/"$l"/*.c src/"$l"/*.h; do
        [ -e "$f" ] && check "$f" "$l"
    done
done
for f in include/motcua/*.h; do
    name=$(basename "$f" .h)
    if [ -z "${public[$name]:-}" ]; then
        echo "$f: a public header with no layer in tools/check-layers.sh"
        bad=1
    else
        check "$f" "${public[$name]}"
    fi
done
check src/main.c main
for f in src/*.c src/*.h; do
    [ "$f" = src/main.c ] && continue
    [ -e "$f" ] && { echo "$f: a source file outside the layer folders"; bad=1; }
done
if [ "$bad" = 0 ]; then
    echo "ok 1 - every file includes only its own layer and those below"
else
    echo "not ok 1 - every file includes only its own layer and those below"
fi
exit "$bad"
