package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.RandomSource;
import dev.ballast.lb.health.SlowStart;

/**
 * Envoy LEAST_REQUEST (source/extensions/load_balancing_policies/least_request/least_request_lb.cc). Equal weights
 * and no slow-start ramp: power of two choices, two distinct uniform draws, the one with fewer requests in flight
 * wins (ties: the first). Otherwise an EDF schedule over the dynamic weight weight / (in_flight + 1)^bias computed at
 * pick time (Envoy hostWeight, slow-start factor included), so a busy host gets less but never truly drains.
 */
public final class LeastRequest implements Strategy {

    private final Endpoint[] peers;
    private final WeightedRandom draws;
    private final RandomSource random;
    private final double bias;
    private final boolean equalWeights;
    /** Envoy keeps one scheduler per worker; ours is per thread (event loop), so picks need no lock. */
    private final ThreadLocal<EdfSchedule> schedules = new ThreadLocal<>();

    public LeastRequest(Endpoint[] peers, double activeRequestBias, RandomSource random) {
        this.peers = peers;
        this.draws = new WeightedRandom(peers, random);
        this.random = random;
        this.bias = activeRequestBias;
        boolean same = true;
        for (Endpoint peer : peers) {
            same &= peer.weight() == peers[0].weight();
        }
        this.equalWeights = same;
    }

    @Override
    public Endpoint pick(PickContext context, Eligibility eligibility, long nowNanos) {
        if (peers.length == 0) {
            return null;
        }
        // Envoy builds its EDF schedule only when "host weights are not equal or some host is in slow start".
        if (!equalWeights || eligibility.ramping()) {
            return pickEarliestDeadline(context, eligibility, nowNanos);
        }
        if (peers.length > 1 && WeightedRandom.pristine(context, eligibility)) {
            int a = random.nextInt(peers.length);
            int b = random.nextInt(peers.length - 1);
            return fewerInFlight(peers[a], peers[b >= a ? b + 1 : b]);
        }
        // Some peers are out: with equal weights and no ramp, WeightedRandom's draws are uniform over allowed peers.
        int a = draws.draw(-1, context, eligibility, nowNanos);
        Endpoint first = a >= 0 ? peers[a] : draws.scan(-1, context, eligibility, nowNanos);
        if (first == null) {
            return null;
        }
        if (a < 0) {
            a = draws.indexOf(first);
        }
        int b = draws.draw(a, context, eligibility, nowNanos);
        Endpoint second = b >= 0 ? peers[b] : draws.scan(a, context, eligibility, nowNanos);
        return second == null ? first : fewerInFlight(first, second);
    }

    /** Envoy's P2C comparison: the second draw wins only with strictly fewer active requests. */
    private static Endpoint fewerInFlight(Endpoint first, Endpoint second) {
        return second.inFlight() < first.inFlight() ? second : first;
    }

    /**
     * Takes the earliest deadline the request may use. A peer it may not use (unhealthy, draining, already tried)
     * is re-inserted as if picked, as Envoy's schedule never holds unusable hosts; after one pass over the pool
     * without an allowed peer, an exact weighted choice over the allowed ones (or null) decides.
     */
    private Endpoint pickEarliestDeadline(PickContext context, Eligibility eligibility, long nowNanos) {
        EdfSchedule schedule = schedule(nowNanos);
        // No ramp in the pool's health view: an idle peer's dynamic weight is its configured weight. (A ramp that
        // starts on another loop is seen once that loop has replaced the view, as every health change is.)
        boolean fullWeights = !eligibility.ramping();
        for (int attempt = 0; attempt < peers.length; attempt++) {
            Endpoint peer = peers[schedule.next()];
            if (fullWeights && (bias == 0.0 || peer.inFlight() == 0)) {
                schedule.advanceUsual(); // dynamicWeight is the configured weight: re-insert without dividing
            } else {
                schedule.advance(dynamicWeight(peer, nowNanos));
            }
            if (eligibility.allows(peer, context, nowNanos)) {
                return peer;
            }
        }
        return draws.scan(-1, context, eligibility, nowNanos);
    }

    /** Envoy hostWeight: weight / (active + 1)^bias, times the slow-start factor; bias 0 = weighted round robin. */
    double dynamicWeight(Endpoint peer, long nowNanos) {
        double weight = peer.rampedWeight(nowNanos) / (double) SlowStart.FULL;
        if (bias == 0.0) {
            return weight;
        }
        int active = peer.inFlight() + 1;
        return bias == 1.0 ? weight / active : weight / Math.pow(active, bias);
    }

    /**
     * This thread's schedule, built on first use and then advanced by a random number of picks below the pool
     * size, as Envoy's EdfScheduler::createWithPicks does, so threads do not all start on the same peer.
     */
    private EdfSchedule schedule(long nowNanos) {
        EdfSchedule schedule = schedules.get();
        if (schedule == null) {
            double[] weights = new double[peers.length];
            double[] idle = new double[peers.length];
            for (int i = 0; i < peers.length; i++) {
                weights[i] = dynamicWeight(peers[i], nowNanos);
                idle[i] = peers[i].weight(); // what dynamicWeight gives an idle peer at full weight
            }
            schedule = new EdfSchedule(weights, idle);
            for (int skip = random.nextInt(peers.length); skip > 0; skip--) {
                schedule.advance(weights[schedule.next()]);
            }
            schedules.set(schedule);
        }
        return schedule;
    }
}
