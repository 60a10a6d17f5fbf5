#!/usr/bin/env bash
# JMH benchmark of the load-balancer library: pick + completion per strategy, for 3/100/1000 endpoints,
# on one and two threads. Builds the module, runs JMH from the test classes, prints one table (ns per pick).
#
# Usage: bench/load-balancer-jmh.sh [extra JMH options]
#   JMH_OPTS  iteration options (default: the annotations' 30 x 1 s warm-up, so every fork has had 30 s of load before
#             it measures, then 5 x 1 s measurement, 1 fork; the full default run takes about 50 minutes)
#             e.g. JMH_OPTS="-wi 2 -w 1s -i 3 -r 1s" for a quick, noisier run
#             -f N runs N forks per cell; the table then adds each cell's range of fork means, which on this
#             VM shows whether a two-thread figure came from the host's good or bad period (load-balancer README)
#   THREADS   thread counts to run (default: "1 2")
#   QUIET     e.g. QUIET=1: one JMH run per strategy and size (STRATEGIES, ENDPOINTS narrow them), each started
#             only once the run queue has stayed at most QUIET for 3 s (waits up to QUIET_WAIT s, default 300)
#   INTERLEAVE e.g. INTERLEAVE=3: three rounds of QUIET's runs (without the wait unless QUIET is set), one fork
#             each: the anchors (unless FILTER is set), then every strategy and size (STRATEGIES, default round-robin
#             least-conn least-request consistent-hash; ENDPOINTS, default 100). Each cell's forks are then spread
#             over the whole run instead of back to back, so a slow period of the host (minutes long on this VM)
#             lands on every strategy alike; each cell shows the mean of its fork means and their range. Leave -f
#             out of JMH_OPTS (every JMH run is one fork)
#   FILTER    benchmark regex (default: pickAndComplete on a shared pool, pickAndCompleteUnshared on one pool per
#             thread, i.e. what the machine gives two threads without sharing, and the two anchors; not
#             pickAndCompleteLoaded, a pool with 2 x endpoints requests held open: FILTER='PickBenchmark\.pickAndCompleteLoaded$');
#             extra args go straight to JMH (e.g. -p endpoints=100)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/load-balancer-classpath.sh
command -v python3 >/dev/null || { echo "python3 not found: needed to print the table (apt-get install python3)" >&2; exit 1; }

if [ -n "${INTERLEAVE:-}" ]; then
  case "$INTERLEAVE" in
    '' | *[!0-9]* | 0) echo "INTERLEAVE must be a number of rounds (1 or more), not '$INTERLEAVE'" >&2; exit 2 ;;
  esac
  case " ${JMH_OPTS:-} $* " in
    *" -f "* | *" -f"[0-9]*) echo "INTERLEAVE runs one fork per JMH run: leave -f out of JMH_OPTS and the arguments" >&2; exit 2 ;;
  esac
fi

lb_build

# QUIET=n: before each JMH run, wait (up to QUIET_WAIT seconds, default 300) until the kernel's run queue
# (/proc/loadavg, running tasks, this script included) has stayed at most n for 3 s in a row. The machine is
# shared: on two cores, any other runnable task steals time from a two-thread run and JMH counts it as ns/op.
wait_quiet() {
  [ -n "${QUIET:-}" ] || return 0
  local waited=0 calm=0 running
  while [ "$waited" -lt "${QUIET_WAIT:-300}" ]; do
    running=$(cut -d' ' -f4 /proc/loadavg | cut -d/ -f1)
    if [ "$running" -le "$QUIET" ]; then
      calm=$((calm + 1))
      [ "$calm" -ge 3 ] && return 0
    else
      calm=0
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "still busy after ${QUIET_WAIT:-300} s; running anyway (see the load column)" >&2
}

# One JMH run; its load average at start and end goes next to its CSV, for the table.
run_jmh() { # name threads filter jmh-args...
  local name=$1 t=$2 filter=$3
  shift 3
  wait_quiet
  local before
  before=$(cut -d' ' -f1 /proc/loadavg)
  # shellcheck disable=SC2086
  java -cp "$cp" org.openjdk.jmh.Main "$filter" -t "$t" ${JMH_OPTS:-} -prof dev.ballast.lb.bench.CpuTimeProfiler \
    -rf json -rff "$out/$name.json" "$@" >"$out/$name.log"
  echo "$before $(cut -d' ' -f1 /proc/loadavg)" >"$out/$name.load"
  results+=("$out/$name.json")
}

rm -f "$out"/threads-*.json "$out"/threads-*.load
results=()
anchors='anchorAtomicCounter|anchorSharedCounts'
default_filter="PickBenchmark\\.(pickAndComplete|pickAndCompleteUnshared|$anchors)\$"
# One JMH run per cell (QUIET, INTERLEAVE): the anchors unless FILTER is set, then every strategy and size, the thread
# counts back to back. $1 is INTERLEAVE's round (or empty), the other arguments go to every strategy's run.
run_cells() { # round jmh-args...
  local round=${1:+-round-$1} says=${1:+, round $1} t s n
  shift
  if [ -z "${FILTER:-}" ]; then
    for t in ${THREADS:-1 2}; do
      echo "running JMH with $t thread(s)$says: anchors..." >&2
      run_jmh "threads-$t$round-anchor" "$t" "PickBenchmark\\.($anchors)\$" "${fork[@]}"
    done
  fi
  for s in $strategies; do
    for n in $endpoints; do
      for t in ${THREADS:-1 2}; do
        echo "running JMH with $t thread(s)$says: $s, $n endpoints..." >&2
        run_jmh "threads-$t$round-$s-$n" "$t" "${FILTER:-$cell_filter}" "${fork[@]}" -p "strategy=$s" -p "endpoints=$n" "$@"
      done
    done
  done
}

if [ -n "${INTERLEAVE:-}" ]; then
  strategies=${STRATEGIES:-round-robin least-conn least-request consistent-hash}
  endpoints=${ENDPOINTS:-100}
  cell_filter='PickBenchmark\.pickAndComplete$'
  fork=(-f 1)
  for r in $(seq 1 "$INTERLEAVE"); do
    run_cells "$r" "$@"
  done
elif [ -z "${QUIET:-}" ]; then
  for t in ${THREADS:-1 2}; do
    echo "running JMH with $t thread(s)..." >&2
    run_jmh "threads-$t" "$t" "${FILTER:-$default_filter}" "$@"
  done
else
  # each run after a quiet moment (run_jmh waits)
  strategies=${STRATEGIES:-round-robin least-conn least-request random consistent-hash ip-hash-nginx}
  endpoints=${ENDPOINTS:-3 100 1000}
  cell_filter='PickBenchmark\.pickAndComplete(Unshared)?$'
  fork=()
  run_cells "" "$@"
fi

python3 - "${results[@]}" <<'PY'
import json, sys, re
tables = {"wall": {}, "cpu": {}}
cols = set()
loads = []
for path in sys.argv[1:]:
    threads = re.search(r"threads-(\d+)", path).group(1)
    try:
        with open(path[:-5] + ".load") as f:
            loads.append(f.read().split())
    except OSError:
        pass
    with open(path) as f:
        runs = json.load(f)
    for r in runs:
        bench = r["benchmark"]
        if bench.endswith("anchorAtomicCounter"):
            strategy, n = "anchor (atomic counter + alloc)", 100
        elif bench.endswith("anchorSharedCounts"):
            strategy, n = "floor (a count per endpoint + lease)", 100
        else:
            strategy = r["params"]["strategy"]
            if bench.endswith("Unshared"):
                strategy += " (own pool per thread)"
            elif bench.endswith("Loaded"):
                strategy += " (2 x endpoints requests held)"
            n = int(r["params"]["endpoints"])
        col = (n, int(threads))
        cols.add(col)
        for name, metric in (("wall", r["primaryMetric"]), ("cpu", r.get("secondaryMetrics", {}).get("cpu"))):
            if not metric:
                continue
            # one mean per fork: with -f N the spread between forks shows the host's periods (load-balancer README)
            forks = [sum(it) / len(it) for it in metric.get("rawData", []) if it]
            err = float(metric["scoreError"])
            err = 0.0 if err != err else err  # NaN when there are too few iterations
            # INTERLEAVE: one JSON per fork, so a cell gathers its forks from several files
            tables[name].setdefault(strategy, {}).setdefault(col, []).append((float(metric["score"]), err, forks))
cols = sorted(cols)
order = ["anchor (atomic counter + alloc)", "floor (a count per endpoint + lease)", "round-robin", "least-conn", "least-request", "random", "consistent-hash", "ip-hash-nginx"]
variants = ["", " (own pool per thread)", " (2 x endpoints requests held)"]
def rank(s):
    for v in reversed(variants):
        if v and s.endswith(v):
            base = s[: -len(v)]
            break
    else:
        base, v = s, ""
    return (order.index(base) if base in order else 99, variants.index(v))
titles = {
    "wall": "ns per pick + complete, mean ± 99.9 % error (JMH AverageTime, wall clock; with 2 threads, per operation on each thread)",
    "cpu": "CPU ns per pick + complete (CpuTimeProfiler: the JVM's CPU time over all operations, so time spent waiting for a core does not count)",
}
for name in ("wall", "cpu"):
    rows = tables[name]
    if not rows:
        continue
    print(titles[name] + "\n")
    print("| strategy | " + " | ".join(f"{n} endpoints, {t} thr" for n, t in cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for s in sorted(rows, key=rank):
        cells = []
        for c in cols:
            runs = rows[s].get(c)
            if runs is None:
                cells.append("—")
                continue
            if len(runs) > 1:
                forks = [f for run in runs for f in run[2]]
                cells.append(f"{sum(forks) / len(forks):.0f} (forks {min(forks):.0f}–{max(forks):.0f})")
                continue
            v = runs[0]
            if len(v[2]) > 1:
                cells.append(f"{v[0]:.0f} ± {v[1]:.0f} (forks {min(v[2]):.0f}–{max(v[2]):.0f})")
            else:
                cells.append(f"{v[0]:.0f} ± {v[1]:.0f}")
        print(f"| {s} | " + " | ".join(cells) + " |")
    print()
if loads:
    starts = [float(l[0]) for l in loads]
    ends = [float(l[1]) for l in loads]
    print(f"load average (1 min) at the start of the {len(loads)} JMH runs: {min(starts):.2f}–{max(starts):.2f}, "
          f"at their ends: {min(ends):.2f}–{max(ends):.2f}")
PY
