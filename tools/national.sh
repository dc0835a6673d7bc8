#!/usr/bin/env bash
# `make national` (docs/national.md): imports the annex CSV into a hidden folder next to the
# national catalogue (the loader skips names that start with a dot), and puts it in the place of
# DIR only when the import succeeded; on failure DIR stays as it was, the importer's errors go
# to stderr and the exit status is not 0. The importer's diagnostics are kept in LOG.
#   bash tools/national.sh MOTCUA CSV DIR LOG
set -u
bin=${1:?usage: national.sh MOTCUA CSV DIR LOG}
csv=${2:?usage: national.sh MOTCUA CSV DIR LOG}
dir=${3:?usage: national.sh MOTCUA CSV DIR LOG}
log=${4:?usage: national.sh MOTCUA CSV DIR LOG}
dir=${dir%/}
new="$(dirname "$dir")/.$(basename "$dir").new"
old="$(dirname "$dir")/.$(basename "$dir").old"
rm -rf "$new" "$old"
if ! "$bin" import annex "$csv" --out "$new" 2>"$log"; then
    grep -vE ': warning(\[[a-z0-9-]+\])?: ' "$log" >&2
    rm -rf "$new"
    echo "national: the import failed; $dir is left as it was (see $log)" >&2
    exit 1
fi
if [ -e "$dir" ] && ! mv "$dir" "$old"; then
    rm -rf "$new"
    echo "national: cannot move $dir aside; it is left as it was" >&2
    exit 1
fi
if ! mv "$new" "$dir"; then
    [ -e "$old" ] && mv "$old" "$dir"
    echo "national: cannot rename $new to $dir; $dir is left as it was" >&2
    exit 1
fi
rm -rf "$old"
echo "national: $dir replaced by the import"
echo "$(grep -cE ': warning(\[[a-z0-9-]+\])?: ' "$log") warnings: see $log"
