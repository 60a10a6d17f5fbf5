#!/usr/bin/env bash
# metrics-exporter benchmark: (1) intake throughput of POST /v1/events in events per second, batches
# of 100 events; (2) time to render /q/metrics holding 10 000 exporter series (100 agents x 100 task
# types of ballast_agent_tasks_queued, within the default label cap of 100 values per label).
# Runs the packaged exporter on a free loopback port, load from `hey`. Targets (issue 6): >= 100 000
# events/s, render < 100 ms.
#
# Usage: bench/exporter-bench.sh
#   WARMUP       warm-up load before measuring intake (default 30s)
#   DURATION     intake measurement time (default 20s)
#   CONCURRENCY  concurrent intake connections (default 8)
#   RENDERS      /q/metrics requests measured, one at a time (default 200)
#   SKIP_BUILD=1 reuse metrics-exporter/target/quarkus-app
set -euo pipefail
cd "$(dirname "$0")/.."
module=metrics-exporter
out="$module/target/bench"
mkdir -p "$out"

command -v java >/dev/null || { echo "java not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
command -v hey >/dev/null || { echo "hey not found: apt-get install hey" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found: apt-get install python3" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl not found: apt-get install curl" >&2; exit 1; }

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "building $module..." >&2
  ./mvnw -B -q -pl "$module" -am install -DskipTests >&2
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# No Redis groups, no GPU probe: only the intake and the renderer are measured.
java -Xmx512m -Dquarkus.http.port="$port" -Dquarkus.http.host=127.0.0.1 \
  -Dquarkus.log.level=WARN -Dballast.exporter.gpu.enabled=false \
  -Dquarkus.redis.hosts=redis://127.0.0.1:1 \
  -jar "$module/target/quarkus-app/quarkus-run.jar" >"$out/exporter.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "$base/q/health/live" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "$base/q/health/live" >/dev/null || { echo "exporter did not start; see $out/exporter.log" >&2; exit 1; }

# a realistic batch: 100 inference events over 4 models, 2 providers, ok and error, tokens and TTFT
python3 - "$out/batch-100.json" <<'PY'
import json, sys, random
random.seed(1)
models = ["llama-3-8b", "qwen2.5-14b", "mistral-7b", "gpt-4o-mini"]
events = []
for i in range(100):
    ok = i % 10 != 0
    e = {"kind": "inference", "model": models[i % 4], "provider": "vllm" if i % 2 else "openai",
         "operation": "chat", "status": "ok" if ok else "error", "duration_seconds": round(random.uniform(0.05, 20), 3),
         "time_to_first_token_seconds": 0.04, "input_tokens": random.randint(10, 2000), "output_tokens": random.randint(1, 500)}
    if not ok:
        e["error_type"] = "timeout"
    events.append(e)
json.dump(events, open(sys.argv[1], "w"))
PY

echo "warming up intake for ${WARMUP:-30s}..." >&2
hey -z "${WARMUP:-30s}" -c "${CONCURRENCY:-8}" -m POST -T application/json -D "$out/batch-100.json" "$base/v1/events" >/dev/null
echo "measuring intake for ${DURATION:-20s}..." >&2
hey -z "${DURATION:-20s}" -c "${CONCURRENCY:-8}" -m POST -T application/json -D "$out/batch-100.json" "$base/v1/events" >"$out/intake.txt"

# 10 000 series: every (agent, task_type) pair queued once
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
for a in range(100):
    batch = [{"kind": "agent_task", "agent": f"agent-{a:03d}", "task_type": f"type-{t:03d}", "status": "queued"} for t in range(100)]
    json.dump(batch, open(f"{out}/series-{a:03d}.json", "w"))
PY
for f in "$out"/series-*.json; do
  curl -fs -o /dev/null -H 'Content-Type: application/json' --data-binary @"$f" "$base/v1/events"
done
curl -fs "$base/q/metrics" >"$out/metrics.txt"
series=$(grep -c '^ballast_agent_tasks_queued{' "$out/metrics.txt" || true)
total=$(grep -vc '^#' "$out/metrics.txt" || true)
echo "warming up /q/metrics..." >&2
hey -n 100 -c 1 "$base/q/metrics" >/dev/null
hey -n "${RENDERS:-200}" -c 1 "$base/q/metrics" >"$out/render.txt"

python3 - "$out/intake.txt" "$out/render.txt" "$series" "$total" "${CONCURRENCY:-8}" <<'PY'
import re, sys
intake, render, series, total, conc = open(sys.argv[1]).read(), open(sys.argv[2]).read(), sys.argv[3], sys.argv[4], sys.argv[5]
def num(pattern, text):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else float("nan")
rps = num(r"Requests/sec:\s+([\d.]+)", intake)
codes = re.findall(r"\[(\d+)\]\s+(\d+) responses", intake)
print(f"intake: {rps:,.0f} batches/s x 100 = {rps*100:,.0f} events/s  (concurrency {conc}; status codes {dict(codes)})")
avg = num(r"Average:\s+([\d.]+) secs", render) * 1000
p50 = num(r"50%+ in ([\d.]+) secs", render) * 1000
p99 = num(r"99%+ in ([\d.]+) secs", render) * 1000
print(f"/q/metrics with {series} ballast_agent_tasks_queued series ({total} samples in all): "
      f"avg {avg:.1f} ms, p50 {p50:.1f} ms, p99 {p99:.1f} ms (one request at a time)")
PY
