#!/usr/bin/env bash
# Serving speed, as docs/benchmarks.md "Serving" describes: a fresh release site on loopback,
# two generated 12 MP photos uploaded (one public, one private), then `wrk` against the public
# one's thumbnail and medium size, and the private one's thumbnail fetched by its owner (a
# session cookie: every request checks it), served by Vitrine and by nginx (`sendfile on`) in
# the same run. Prints req/s and the ratio.
#
#   scripts/bench-serve.sh [SECONDS]        (needs: wrk, nginx from Debian's nginx-light)
set -euo pipefail
secs="${1:-8}"
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/target/release/vitrine"
[ -x "$bin" ] || cargo build --release -p vitrine-server --bin vitrine
command -v wrk >/dev/null && command -v nginx >/dev/null || {
  echo "needs wrk and nginx (apt install wrk nginx-light)" >&2; exit 2; }

work="$(mktemp -d)"
chmod 755 "$work"  # nginx workers run as another user
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() {
  [ -n "${site_pid:-}" ] && kill "$site_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port="$(free_port)"
export VITRINE_DATA_DIR="$work/data" VITRINE_LOG_LEVEL=warn
printf 'bench-password\n' | "$bin" user add bench --email bench@example.org --role admin >/dev/null
key="$("$bin" apikey create bench --name bench | grep -o 'vt_[A-Za-z0-9_-]*' | head -1)"
MALLOC_ARENA_MAX=2 "$bin" serve --bind "127.0.0.1:$port" >"$work/site.log" 2>&1 &
site_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
"$bin" bench upload --url "http://127.0.0.1:$port" --key "$key" --count 2 --concurrency 1 >/dev/null
json="$(curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/v1/me/media")"
# item 0 stays public; item 1 is made private.
field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); i=d["items"][int(sys.argv[2])]; print(i["files"][sys.argv[3]]["url"] if sys.argv[3] != "id" else i["id"])' "$json" "$1" "$2"; }
curl -sf -X PATCH -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"privacy": "private"}' "http://127.0.0.1:$port/api/v1/media/$(field 1 id)" >/dev/null
cookie="$(curl -sf -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"login": "bench", "password": "bench-password"}' "http://127.0.0.1:$port/api/v1/auth/login" \
  | grep -io 'vitrine_session=[^;]*')"

mkdir -p "$work/www/i"
nport="$(free_port)"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { image/jpeg jpg; image/webp webp; image/png png; }
  server { listen 127.0.0.1:$nport; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf"

rate() { wrk -t1 -c64 -d"${secs}s" "$@" | awk '/Requests\/sec/ {print $2}'; }
printf '%-14s %10s %14s %14s %8s\n' file bytes vitrine_req/s nginx_req/s ratio
for row in "public-thumb 0 thumb" "public-medium 0 medium" "private-thumb 1 thumb"; do
  set -- $row
  label="$1" url="$(field "$2" "$3")"
  auth=()
  [ "$2" = 1 ] && auth=(-H "Cookie: $cookie")
  name="${url##*/}"
  curl -sf "${auth[@]}" "$url" -o "$work/www/i/$name"
  chmod -R a+rX "$work/www"
  bytes="$(stat -c %s "$work/www/i/$name")"
  curl -sf "http://127.0.0.1:$nport/i/$name" | cmp - "$work/www/i/$name"
  ours="$(rate "${auth[@]}" "$url")"
  theirs="$(rate "http://127.0.0.1:$nport/i/$name")"
  printf '%-14s %10s %14s %14s %8s\n' "$label" "$bytes" "$ours" "$theirs" \
    "$(python3 -c "print(f'{$ours/$theirs:.3f}x')")"
done
