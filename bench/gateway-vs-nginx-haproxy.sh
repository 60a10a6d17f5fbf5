#!/usr/bin/env bash
# Gateway vs nginx vs HAProxy in front of one fast backend, in the same run, interleaved.
#
# One nginx "backend" answers 200 "hello" from memory. In front of it, configured equivalently (least
# connections, upstream keep-alive, the gateway's forwarding headers and a request id added to every request;
# HEADERS=minimal for only X-Forwarded-For(-Proto) and the request id, as before session 7):
#   nginx    (proxy, 2 workers)      on 127.0.0.1:18091
#   HAProxy  (2 threads)             on 127.0.0.1:18092
#   gateway  (2 Vert.x event loops)  on 127.0.0.1:18093 (management 18094)
# Each proxy gets WARMUP seconds of load first, then ROUNDS interleaved wrk runs of DURATION seconds; each round
# starts one proxy later in the list than the round before and every second round runs backwards, so no proxy
# always runs first or after the same one.
# Prints requests/s (mean and median of rounds), p50 and p99 (median of rounds) per proxy and the ratios
# gateway/nginx and gateway/HAProxy of the medians (robust against a round disturbed by other load), the
# gateway/nginx ratio paired within each round (median, range, rounds won), and each
# proxy's CPU time per request (user+sys of its processes during its rounds / requests served, and the two apart:
# user time is the proxy's own code, system time mostly loopback TCP, the same for all three): on a machine shared
# with other work, throughput follows the CPU share each proxy gets, CPU per request does not.
#
# Usage: bench/gateway-vs-nginx-haproxy.sh            (builds the gateway jar when missing)
#   env: ROUNDS=5 DURATION=10 WARMUP=30 CONNECTIONS=64 THREADS=2 GATEWAY_JAVA_OPTS="..." (default: ParallelGC,
#        512 MB heap with a 384 MB young generation: the proxy allocates ~8 KB per request and keeps almost
#        nothing, so a large young generation means few, short pauses)
#   VARIANT_JAVA_OPTS="..." and/or VARIANT_JAVA=/path/to/bin/java: also run a second gateway ("variant", port
#        18095, management 18096) with these JVM options / this JVM, interleaved in the same rounds, to compare
#        runtime settings against the default gateway under the same load; VARIANT_JAR=/path/to/quarkus-run.jar
#        runs another build of the gateway as the variant (A/B of a code change: copy target/quarkus-app away first)
#   FLOOR=1: also run three bare proxies from bench/floor/ (same JVM options as the gateway; not product code,
#        none of the gateway's features): "vertx-floor" (port 18098) on the Vert.x HTTP server and client the
#        gateway uses, "netty-floor" (port 18097) on Netty's HTTP codecs alone, "vertx-netty-floor" (port 18099)
#        on the Vert.x server with a bare Netty client. They split the gateway's gap to nginx into the runtime,
#        the Vert.x server, the Vert.x client and the gateway's own code; FLOOR_JAVA=/path/to/bin/java runs them
#        on another JVM
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-30}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
JAR="$ROOT/api-gateway/target/quarkus-app/quarkus-run.jar"
WORK="$(mktemp -d /tmp/ballast-bench.XXXXXX)"
PIDS=()

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "missing '$1': install it with: apt-get install -y $2" >&2; exit 2; }
}
need nginx nginx
need haproxy haproxy
need wrk wrk
need java openjdk-17-jdk-headless

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
VARIANT="${VARIANT_JAVA_OPTS:-}${VARIANT_JAVA:-}${VARIANT_JAR:-}"
for p in 18090 18091 18092 18093 18094 18095 18096 18097 18098 18099; do
  if port_busy "$p"; then echo "port $p is busy; stop what uses it first" >&2; exit 2; fi
done

if [ ! -f "$JAR" ]; then
  echo "building the gateway (./mvnw -pl api-gateway -am install -DskipTests)"
  (cd "$ROOT" && ./mvnw -B -q -pl api-gateway -am install -DskipTests)
fi

mkdir -p "$WORK/backend" "$WORK/proxy"
cat >"$WORK/backend/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/backend/nginx.pid;
error_log $WORK/backend/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/backend; proxy_temp_path $WORK/backend; fastcgi_temp_path $WORK/backend;
  uwsgi_temp_path $WORK/backend; scgi_temp_path $WORK/backend;
  server { listen 127.0.0.1:18090 reuseport; location / { return 200 "hello\n"; } }
}
EOF
# The forwarding headers every proxy adds to each request. "gateway" (default): what the gateway adds, so all three do
# the same header work: X-Forwarded-For, -Proto, -Host, Forwarded (RFC 7239, appended to a client's own), X-Request-Id.
# "minimal": X-Forwarded-For and X-Request-Id (nginx also -Proto), as in the runs before session 7.
HEADERS="${HEADERS:-gateway}"
NGINX_HEADERS="" HAPROXY_HEADERS=""
case "$HEADERS" in
  gateway)
    NGINX_HEADERS='
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header Forwarded "${forwarded_before}for=$remote_addr;proto=$scheme;host=\"$http_host\"";'
    HAPROXY_HEADERS='
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  http-request set-header Forwarded "%[req.fhdr(forwarded)], for=%[src];proto=http;host=\"%[req.hdr(host)]\"" if { req.hdr(forwarded) -m found }
  http-request set-header Forwarded "for=%[src];proto=http;host=\"%[req.hdr(host)]\"" unless { req.hdr(forwarded) -m found }'
    ;;
  minimal) ;;
  *) echo "HEADERS must be gateway or minimal, not '$HEADERS'" >&2; exit 2 ;;
esac
cat >"$WORK/proxy/nginx.conf" <<EOF
worker_processes 2;
pid $WORK/proxy/nginx.pid;
error_log $WORK/proxy/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/proxy; proxy_temp_path $WORK/proxy; fastcgi_temp_path $WORK/proxy;
  uwsgi_temp_path $WORK/proxy; scgi_temp_path $WORK/proxy;
  upstream backend { least_conn; server 127.0.0.1:18090; keepalive 64; keepalive_requests 1000000; }
  map \$http_forwarded \$forwarded_before { "" ""; default "\$http_forwarded, "; }
  server {
    listen 127.0.0.1:18091;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Request-Id \$request_id;$NGINX_HEADERS
    }
  }
}
EOF
cat >"$WORK/haproxy.cfg" <<EOF
global
  nbthread 2
  maxconn 8000
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:18092
  option forwardfor
  unique-id-format %{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
  http-request set-header X-Request-Id %[unique-id]$HAPROXY_HEADERS
  default_backend be
backend be
  balance leastconn
  http-reuse always
  server s1 127.0.0.1:18090 maxconn 4000
EOF

nginx -c "$WORK/backend/nginx.conf" -g "daemon off;" & PIDS+=($!)
nginx -c "$WORK/proxy/nginx.conf" -g "daemon off;" & PIDS+=($!)
NGINX_PROXY_PID=$!
haproxy -f "$WORK/haproxy.cfg" -q & PIDS+=($!)
HAPROXY_PID=$!
DEFAULT_JAVA_OPTS="-XX:+UseParallelGC -Xms512m -Xmx512m -Xmn384m -XX:+AlwaysPreTouch"
start_gateway() { # java-binary "jvm options" traffic-port management-port log [jar]; call with &: exec makes $! the JVM
  # shellcheck disable=SC2086
  exec "$1" $2 \
    -Dballast.gateway.server.port="$3" -Dballast.gateway.server.host=127.0.0.1 \
    -Dquarkus.management.port="$4" -Dquarkus.log.level=WARN \
    -Dquarkus.vertx.event-loops-pool-size=2 \
    -Dballast.gateway.upstreams.backend.endpoints=127.0.0.1:18090 \
    -Dballast.gateway.upstreams.backend.strategy=least-conn \
    -Dballast.gateway.routes.all.prefix=/ \
    -Dballast.gateway.routes.all.upstream=backend \
    -Dballast.gateway.admin.token=bench \
    -jar "${6:-$JAR}" >"$5" 2>&1
}
start_gateway java "${GATEWAY_JAVA_OPTS:-$DEFAULT_JAVA_OPTS}" 18093 18094 "$WORK/gateway.log" & PIDS+=($!)
GATEWAY_PID=$!
declare -A PID=([nginx]=$NGINX_PROXY_PID [haproxy]=$HAPROXY_PID [gateway]=$GATEWAY_PID)
declare -A URL=([nginx]=http://127.0.0.1:18091/ [haproxy]=http://127.0.0.1:18092/ [gateway]=http://127.0.0.1:18093/)
TARGETS=(nginx haproxy gateway)
if [ -n "$VARIANT" ]; then
  start_gateway "${VARIANT_JAVA:-java}" "${VARIANT_JAVA_OPTS:-$DEFAULT_JAVA_OPTS}" 18095 18096 "$WORK/variant.log" \
    "${VARIANT_JAR:-$JAR}" &
  PIDS+=($!)
  PID[variant]=$!
  URL[variant]=http://127.0.0.1:18095/
  TARGETS+=(variant)
  echo "variant: ${VARIANT_JAVA:-java} ${VARIANT_JAVA_OPTS:-(default options)} ${VARIANT_JAR:-}"
fi
if [ "${FLOOR:-0}" = 1 ]; then
  FLOOR_CP="$(ls "$ROOT"/api-gateway/target/quarkus-app/lib/main/io.netty.*.jar \
    "$ROOT"/api-gateway/target/quarkus-app/lib/main/io.vertx.vertx-core-*.jar | tr '\n' ':')"
  mkdir -p "$WORK/floor"
  javac -nowarn --release 17 -d "$WORK/floor" -cp "$FLOOR_CP" "$ROOT"/bench/floor/*.java
  start_floor() { # target-name main-class port
    # shellcheck disable=SC2086
    "${FLOOR_JAVA:-java}" ${GATEWAY_JAVA_OPTS:-$DEFAULT_JAVA_OPTS} -cp "$WORK/floor:$FLOOR_CP" "$2" "$3" \
      127.0.0.1:18090 2 >"$WORK/$1.log" 2>&1 & PIDS+=($!)
    PID[$1]=$!
    URL[$1]=http://127.0.0.1:$3/
    TARGETS+=("$1")
  }
  start_floor vertx-floor VertxFloorProxy 18098
  start_floor netty-floor NettyFloorProxy 18097
  start_floor vertx-netty-floor VertxNettyFloorProxy 18099
fi

cpu_ticks() { # pid -> "user system" time of the process and its children (nginx workers), in clock ticks
  local user=0 system=0 p u s
  for p in "$1" $(pgrep -P "$1" || true); do
    read -r u s < <(awk '{print $14, $15}' "/proc/$p/stat" 2>/dev/null || echo 0 0)
    user=$((user + u)); system=$((system + s))
  done
  echo "$user $system"
}
TICKS="$(getconf CLK_TCK)"

for i in $(seq 1 120); do
  up=1
  for u in http://127.0.0.1:18090/ "${URL[@]}"; do curl -fs "$u" >/dev/null || { up=0; break; }; done
  if [ "$up" = 1 ]; then
    break
  fi
  if [ "$i" = 120 ]; then
    echo "proxies did not come up; gateway log:" >&2; cat "$WORK/gateway.log" "$WORK"/variant.log 2>/dev/null >&2; exit 1
  fi
  sleep 0.5
done

# to_ms "520.00us" -> 0.520
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n = n / 1000; else if (u == "s") n = n * 1000; else if (u == "m") n = n * 60000;
    printf "%.3f", n }'
}

run_wrk() { # target seconds -> "rps p50 p99 cpu-us-per-request user-us system-us errors"
  local out user0 system0 user1 system1
  read -r user0 system0 <<<"$(cpu_ticks "${PID[$1]}")"
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2"s --latency "${URL[$1]}")"
  read -r user1 system1 <<<"$(cpu_ticks "${PID[$1]}")"
  local rps p50 p99 errors requests cpu user system
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  per_request() { awk -v t="$1" -v hz="$TICKS" -v n="$requests" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}'; }
  cpu="$(per_request $((user1 - user0 + system1 - system0)))"
  user="$(per_request $((user1 - user0)))"
  system="$(per_request $((system1 - system0)))"
  p50="$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")"
  p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
  errors="$(awk '/Non-2xx|Socket errors/ {s = s $0 "; "} END {print (s == "" ? "none" : s)}' <<<"$out")"
  echo "$rps $p50 $p99 $cpu $user $system $errors"
}

echo "warm-up: ${WARMUP}s per proxy"
for t in "${TARGETS[@]}"; do run_wrk "$t" "$WARMUP" >/dev/null; done

declare -A RPS P50 P99 CPU CPU_USER CPU_SYSTEM ROUND_RPS
for r in $(seq 1 "$ROUNDS"); do
  # Each round starts one proxy later than the one before, and every second round runs backwards, so no proxy always
  # runs first or right after the same other one: the order would otherwise bias the comparison by whatever a run
  # leaves behind (a rotation alone keeps each proxy's predecessor in most rounds).
  n_targets=${#TARGETS[@]}
  for i in $(seq 0 $((n_targets - 1))); do
    if [ $((r % 2)) = 0 ]; then k=$((n_targets - 1 - i)); else k=$i; fi
    t="${TARGETS[$(((k + r - 1) % n_targets))]}"
    read -r rps p50 p99 cpu user system errors <<<"$(run_wrk "$t" "$DURATION")"
    printf 'round %d %-11s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms  cpu %5.1f us/req  errors: %s\n' "$r" "$t" \
      "$rps" "$p50" "$p99" "$cpu" "$errors"
    RPS[$t]="${RPS[$t]:-} $rps"; P50[$t]="${P50[$t]:-} $p50"; P99[$t]="${P99[$t]:-} $p99"; CPU[$t]="${CPU[$t]:-} $cpu"
    CPU_USER[$t]="${CPU_USER[$t]:-} $user"; CPU_SYSTEM[$t]="${CPU_SYSTEM[$t]:-} $system"; ROUND_RPS[$t,$r]="$rps"
  done
done

mean() { tr ' ' '\n' <<<"$1" | awk 'NF {s += $1; n++} END {printf "%.0f", s / n}'; }
median() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '{a[NR] = $1} END {printf "%.3f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $ROUNDS interleaved rounds after ${WARMUP}s warm-up each, $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-11s %12s %14s %10s %10s %12s %10s %10s\n' proxy "req/s(mean)" "req/s(median)" "p50 ms" "p99 ms" \
  "cpu us/req" "user us" "sys us"
for t in "${TARGETS[@]}"; do
  printf '%-11s %12s %14.0f %10s %10s %12.2f %10.2f %10.2f\n' "$t" "$(mean "${RPS[$t]}")" "$(median "${RPS[$t]}")" \
    "$(median "${P50[$t]}")" "$(median "${P99[$t]}")" "$(median "${CPU[$t]}")" "$(median "${CPU_USER[$t]}")" \
    "$(median "${CPU_SYSTEM[$t]}")"
done
g="$(median "${RPS[gateway]}")"; n="$(median "${RPS[nginx]}")"; h="$(median "${RPS[haproxy]}")"
awk -v g="$g" -v n="$n" -v h="$h" -v gp="$(median "${P99[gateway]}")" -v np="$(median "${P99[nginx]}")" 'BEGIN {
  printf "throughput (medians) gateway/nginx %.2f (target >= 1.00), gateway/HAProxy %.2f (target >= 0.90)\n", g / n, g / h;
  printf "p99 gateway - nginx %+.3f ms (target <= +1 ms)\n", gp - np }'
# Paired: the gateway against nginx within each round (same host load, minutes apart at most), then the median
# of those ratios and how many rounds the gateway won. Less sensitive to load drifting between rounds than the
# ratio of medians above.
paired=""
wins=0
for r in $(seq 1 "$ROUNDS"); do
  ratio="$(awk -v g="${ROUND_RPS[gateway,$r]}" -v n="${ROUND_RPS[nginx,$r]}" 'BEGIN {printf "%.3f", g / n}')"
  paired="$paired $ratio"
  if awk -v x="$ratio" 'BEGIN {exit !(x >= 1)}'; then wins=$((wins + 1)); fi
done
echo "paired per round gateway/nginx: median $(median "$paired"), range $(tr ' ' '\n' <<<"$paired" | awk 'NF' | sort -g \
  | sed -n '1p;$p' | paste -sd' ' | awk '{printf "%.2f-%.2f", $1, $2}'), gateway ahead in $wins of $ROUNDS rounds"
awk -v g="$(median "${CPU[gateway]}")" -v n="$(median "${CPU[nginx]}")" -v h="$(median "${CPU[haproxy]}")" 'BEGIN {
  printf "CPU per request (medians) gateway/nginx %.2f, gateway/HAProxy %.2f (lower is better)\n", g / n, g / h }'
if [ -n "$VARIANT" ]; then
  awk -v v="$(median "${RPS[variant]}")" -v g="$g" -v n="$n" -v h="$h" 'BEGIN {
    printf "variant: throughput variant/gateway %.2f, variant/nginx %.2f, variant/HAProxy %.2f\n", v / g, v / n, v / h }'
fi
if [ "${FLOOR:-0}" = 1 ]; then
  for f in vertx-floor vertx-netty-floor netty-floor; do
    awk -v name="$f" -v f="$(median "${RPS[$f]}")" -v g="$g" -v n="$n" -v h="$h" 'BEGIN {
      printf "%s: throughput floor/nginx %.2f, floor/HAProxy %.2f, gateway/floor %.2f\n", name, f / n, f / h, g / f }'
  done
fi
