#!/usr/bin/env bash
# Pick + completion on a shared pool in short alternating bursts next to the floor row and, on two threads, the
# bounce row (one cache line handed back and forth between the two threads): every strategy figure is compared with
# a floor figure from the same second, and the medians are reported per band of the bounce figure (or the floor's),
# that is per level of the host's cross-vCPU cost (near, far: load-balancer README, sessions 23-25; PickBursts).
# Complements the JMH run (bench/load-balancer-jmh.sh), whose iterations average over the levels.
#
# Usage: bench/load-balancer-bursts.sh
#   STRATEGIES  space-separated (default: round-robin least-conn least-request consistent-hash)
#   MEASURE     measured seconds per strategy (default 90), after WARMUP seconds run the same way (default 30);
#               each strategy runs in a JVM of its own, next to the floor (and the bounce)
#   BURST_MS    length of one burst (default 200); a cycle is one burst of the floor, then one of the bounce (on 2
#               threads), then one of the strategy
#   THREADS     threads sharing the pool (default 2), a whole number >= 1
#   BAND_BY     the row whose figure files each cycle in a band: bounce (the default on 2 threads; it needs
#               exactly 2) or floor (the default otherwise, and sessions 23-24's way)
#   BANDS_NS    that row's figures (ns) that bound the bands, comma-separated and rising (default 60 for the
#               bounce: near below 60, far from 60; 40,80 for the floor: near below 40, middle from 40 to 80, far
#               from 80; session 23's SPLIT_NS=40 still sets the floor's bounds, read only with BAND_BY=floor)
#   ENDPOINTS   pool size (default 100)
#   REPEAT      JVMs per strategy (default 1), taken in turn across the strategies; the same code can land 2x apart
#               in the same band from one JVM to the next (load-balancer README, session 24), so a single JVM's
#               figure is one draw, and a summary at the end lists every JVM's band lines per strategy
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/load-balancer-classpath.sh

strategies="${STRATEGIES:-round-robin least-conn least-request consistent-hash}"
repeat="${REPEAT:-1}"
threads="${THREADS:-2}"
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "REPEAT must be a whole number >= 1, got '$repeat'" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "THREADS must be a whole number >= 1, got '$threads'" >&2; exit 2; }
if [ "$threads" = 2 ]; then band_by="${BAND_BY:-bounce}"; else band_by="${BAND_BY:-floor}"; fi
if [ "$band_by" = bounce ]; then bands="${BANDS_NS:-60}"; else bands="${BANDS_NS:-${SPLIT_NS:-40,80}}"; fi
case "$band_by" in
  floor) ;;
  bounce) [ "$threads" = 2 ] || { echo "BAND_BY=bounce needs THREADS=2, got THREADS=$threads" >&2; exit 2; } ;;
  *) echo "BAND_BY must be bounce or floor, got '$band_by'" >&2; exit 2 ;;
esac
lb_build

# One JVM per strategy: several strategies in one JVM make the pool's call to its strategy polymorphic, which the
# JMH benchmark (one strategy per fork) never is.
log="$out/bursts.log"
: > "$log"
for run in $(seq 1 "$repeat"); do
  for strategy in $strategies; do
    echo "== $strategy (JVM $run of $repeat)" | tee -a "$log"
    java -cp "$cp" dev.ballast.lb.bench.PickBursts "$strategy" "${MEASURE:-90}" "${WARMUP:-30}" "${BURST_MS:-200}" \
      "$threads" "$band_by" "$bands" "${ENDPOINTS:-100}" 2>&1 \
      | grep -v -e 'endpoints updated' -e 'UpstreamPool update' | tee -a "$log"
  done
done

if [ "$repeat" -gt 1 ]; then
  echo
  echo "== every JVM's medians per band (cycles, floor, bounce if run, the strategy; each minus the floor)"
  for strategy in $strategies; do
    # a JVM's report: from PickBursts' "band (... ns)" header to its "all" line, whatever the bands are called
    awk -v s="$strategy" '$1 == "==" { take = ($2 == s); report = 0; if (take) print; next }
      take && /^band \(/ { report = 1 } report { print "   " $0 } /^all / { report = 0 }' "$log"
  done
fi
