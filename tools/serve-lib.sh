# Starting `motcua serve` on a free loopback port, for the scripts that test or measure it
# (tests/api.sh, tools/check-console.sh, tools/bench.sh). Source it, then:
#   serve_start OUT ERR MOTCUA ARGS…   starts `MOTCUA serve --listen 127.0.0.1:0 ARGS…` with its
#                                      stdout in OUT and stderr in ERR; sets serve_pid, and
#                                      serve_port once the server says where it listens (empty
#                                      when it did not within 5 seconds).
serve_start() {
    local out=$1 err=$2 bin=$3
    shift 3
    : >"$out" # made before the server starts, so that the first look below finds it
    "$bin" serve --listen 127.0.0.1:0 "$@" >"$out" 2>"$err" &
    serve_pid=$!
    serve_port=""
    for _ in $(seq 50); do
        serve_port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$out")
        [ -n "$serve_port" ] && return 0
        sleep 0.1
    done
    return 1
}
