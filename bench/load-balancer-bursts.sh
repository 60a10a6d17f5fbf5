#!/usr/bin/env bash
# Pick + completion on a shared pool in short alternating bursts next to the floor row (PickBursts): every strategy
# figure is compared with a floor figure from the same second, and the medians are reported separately for the
# host's two levels of cross-vCPU cost ("near" and "far", load-balancer README, session 23). Complements the JMH
# run (bench/load-balancer-jmh.sh), whose iterations average over both levels.
#
# Usage: bench/load-balancer-bursts.sh
#   STRATEGIES  space-separated (default: round-robin least-conn least-request consistent-hash)
#   MEASURE     measured seconds per strategy (default 90), after WARMUP seconds run the same way (default 30);
#               each strategy runs in a JVM of its own, next to the floor
#   BURST_MS    length of one burst (default 200); a cycle is one burst of the floor, then one of the strategy
#   THREADS     threads sharing the pool (default 2)
#   SPLIT_NS    floor figure (ns) below which a cycle counts as near (default 40)
#   ENDPOINTS   pool size (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/load-balancer-classpath.sh

strategies="${STRATEGIES:-round-robin least-conn least-request consistent-hash}"
lb_build

# One JVM per strategy: several strategies in one JVM make the pool's call to its strategy polymorphic, which the
# JMH benchmark (one strategy per fork) never is.
for strategy in $strategies; do
  echo "== $strategy"
  java -cp "$cp" dev.ballast.lb.bench.PickBursts "$strategy" "${MEASURE:-90}" "${WARMUP:-30}" "${BURST_MS:-200}" \
    "${THREADS:-2}" "${SPLIT_NS:-40}" "${ENDPOINTS:-100}" 2>&1 | grep -v -e 'endpoints updated' -e 'UpstreamPool update'
done
