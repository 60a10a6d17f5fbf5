#!/usr/bin/env bash
# JMH benchmark of the load-balancer library: pick + completion per strategy, for 3/100/1000 endpoints,
# on one and two threads. Builds the module, runs JMH from the test classes, prints one table (ns per pick).
#
# Usage: bench/load-balancer-jmh.sh [extra JMH options]
#   JMH_OPTS  iteration options (default: the annotations' 3 x 1 s warm-up, 5 x 1 s measurement, 1 fork)
#             e.g. JMH_OPTS="-wi 2 -w 1s -i 3 -r 1s" for a quick, noisier run
#   THREADS   thread counts to run (default: "1 2")
#   FILTER    benchmark regex (default: PickBenchmark: pickAndComplete on a shared pool, pickAndCompleteUnshared on
#             one pool per thread, i.e. what the machine gives two threads without sharing, and the anchor);
#             extra args go straight to JMH (e.g. -p endpoints=100)
set -euo pipefail
cd "$(dirname "$0")/.."
module=load-balancer
out="$module/target/jmh"
mkdir -p "$out"

command -v java >/dev/null || { echo "java not found: install a JDK 17 (apt-get install openjdk-17-jdk-headless)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found: needed to print the table (apt-get install python3)" >&2; exit 1; }

echo "building $module (test classes carry the generated JMH code)..." >&2
./mvnw -B -q -pl "$module" test-compile
./mvnw -B -q -pl "$module" dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$(pwd)/$out/classpath.txt" >/dev/null
cp="$module/target/test-classes:$module/target/classes:$(cat "$out/classpath.txt")"

csvs=()
for t in ${THREADS:-1 2}; do
  echo "running JMH with $t thread(s)..." >&2
  # shellcheck disable=SC2086
  java -cp "$cp" org.openjdk.jmh.Main "${FILTER:-PickBenchmark}" -t "$t" ${JMH_OPTS:-} \
    -rf csv -rff "$out/threads-$t.csv" "$@" >"$out/threads-$t.log"
  csvs+=("$out/threads-$t.csv")
done

python3 - "${csvs[@]}" <<'PY'
import csv, sys, re
rows = {}
cols = set()
for path in sys.argv[1:]:
    threads = re.search(r"threads-(\d+)\.csv", path).group(1)
    with open(path) as f:
        for r in csv.DictReader(f):
            if r["Benchmark"].endswith("anchorAtomicCounter"):
                strategy, n = "anchor (atomic counter + alloc)", 100
            else:
                strategy = r["Param: strategy"]
                if r["Benchmark"].endswith("Unshared"):
                    strategy += " (own pool per thread)"
                n = int(r["Param: endpoints"])
            col = (n, int(threads))
            cols.add(col)
            rows.setdefault(strategy, {})[col] = (float(r["Score"]), float(r["Score Error (99.9%)"] or 0))
cols = sorted(cols)
header = "| strategy | " + " | ".join(f"{n} endpoints, {t} thr" for n, t in cols) + " |"
print(header)
print("|---|" + "---:|" * len(cols))
order = ["anchor (atomic counter + alloc)", "round-robin", "least-conn", "least-request", "random", "consistent-hash", "ip-hash-nginx"]
def rank(s):
    base = s.replace(" (own pool per thread)", "")
    return (order.index(base) if base in order else 99, s != base)
for s in sorted(rows, key=rank):
    cells = []
    for c in cols:
        v = rows[s].get(c)
        cells.append("—" if v is None else f"{v[0]:.0f} ± {v[1]:.0f}")
    print(f"| {s} | " + " | ".join(cells) + " |")
print("\nns per pick + complete (JMH AverageTime; with 2 threads, per operation on each thread)")
PY
