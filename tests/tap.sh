# The TAP lines of the shell suites (tests/*.sh), sourced by each:  . "$(dirname "$0")/tap.sh"
#   ok NAME               prints "ok N - NAME"
#   fail NAME [DETAIL…]   prints "not ok N - NAME" and each DETAIL as a "# " line (no: the same)
# and the suite ends with  echo "1..$n".
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; shift; for line in "$@"; do echo "# $line"; done; }
no() { fail "$@"; }
