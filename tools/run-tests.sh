#!/usr/bin/env bash
# Runs every cmocka suite of BUILD (TAP output) and the checks on the bundled catalogue, then
# prints the combined closing line "N passed, N failed". Exit status 1 when anything failed.
set -u
build=${1:-build}
passed=0
failed=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
    rc=$?
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or aborted outside a test case
    fi
    if [ "$f" -ne 0 ]; then
        printf '%s\n' "$out" | grep -v '^ok ' | sed "s|^|$(basename "$t"): |"
    fi
    echo "$(basename "$t"): $p passed, $f failed"
    passed=$((passed + p))
    failed=$((failed + f))
done

# Command-line tests (TAP).
out=$(bash tests/cli.sh "$build/motcua" 2>&1)
p=$(printf '%s\n' "$out" | grep -c '^ok ')
f=$(printf '%s\n' "$out" | grep -c '^not ok ')
[ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/cli: /'
echo "cli: $p passed, $f failed"
passed=$((passed + p))
failed=$((failed + f))

# The bundled catalogue must lint clean (warnings allowed).
if "$build"/motcua lint --catalogue . >/dev/null 2>"$build/lint-bundled.log"; then
    echo "bundled catalogue: lint ok"
    passed=$((passed + 1))
else
    cat "$build/lint-bundled.log"
    echo "bundled catalogue: lint FAILED"
    failed=$((failed + 1))
fi

# The bundled scenarios (SPEC §7), run by motcua itself.
out=$("$build"/motcua test tests/scenarios --catalogue . 2>&1)
rc=$?
last=$(printf '%s\n' "$out" | tail -n 1)
if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    p=${BASH_REMATCH[1]}
    f=${BASH_REMATCH[2]}
else
    p=0
    f=1
fi
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1 # a scenario file with errors runs nothing but still prints a closing line
fi
[ "$f" -ne 0 ] && printf '%s\n' "$out" | grep -v '^ok ' | sed 's/^/scenarios: /'
echo "scenarios: $p passed, $f failed"
passed=$((passed + p))
failed=$((failed + f))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
