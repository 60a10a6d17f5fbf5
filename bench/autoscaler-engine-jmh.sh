#!/usr/bin/env bash
# JMH benchmark of the autoscaler's pure decision engine: one decision for a policy with three metrics (CPU
# utilization, a Pods metric, an External queue) and 100 pods, with behavior and history. Target: < 20 µs.
# An anchor (summing 100 longs) runs in the same JVM to show the machine's noise floor.
#
# Usage: bench/autoscaler-engine-jmh.sh [extra JMH options]
#   JMH_OPTS  iteration options (default: the annotations' 15 x 2 s warm-up, i.e. 30 s of load before measuring,
#             then 5 x 2 s measurement, 1 fork)
#             e.g. JMH_OPTS="-wi 2 -w 1s -i 3 -r 1s" for a quick, noisier run
set -euo pipefail
cd "$(dirname "$0")/.."
module=autoscaler
out="$module/target/jmh"
mkdir -p "$out"

command -v java >/dev/null || { echo "java not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }

echo "building $module and its dependencies (test classes carry the generated JMH code)..." >&2
./mvnw -B -q -pl "$module" -am install -DskipTests
./mvnw -B -q -pl "$module" test-compile
./mvnw -B -q -pl "$module" dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$(pwd)/$out/classpath.txt" >/dev/null
cp="$module/target/test-classes:$module/target/classes:$(cat "$out/classpath.txt")"

# JMH runs one benchmark at a time per machine (/tmp/jmh.lock); on a shared machine wait for the other run
# instead of measuring both at once.
for attempt in $(seq 1 "${LOCK_RETRIES:-40}"); do
  echo "running JMH (DecisionBenchmark)..." >&2
  # shellcheck disable=SC2086
  if java -cp "$cp" org.openjdk.jmh.Main DecisionBenchmark ${JMH_OPTS:-} -rf csv -rff "$out/decision.csv" "$@" \
      >"$out/decision.log" 2>&1; then
    grep -E "^(Benchmark|DecisionBenchmark)" "$out/decision.log"
    echo "µs per operation (JMH AverageTime); full log: $out/decision.log" >&2
    exit 0
  fi
  if ! grep -q "Unable to acquire the JMH lock" "$out/decision.log"; then
    cat "$out/decision.log" >&2
    exit 1
  fi
  echo "another JMH run holds /tmp/jmh.lock; waiting 15 s (attempt $attempt)..." >&2
  sleep 15
done
echo "gave up waiting for /tmp/jmh.lock" >&2
exit 1
