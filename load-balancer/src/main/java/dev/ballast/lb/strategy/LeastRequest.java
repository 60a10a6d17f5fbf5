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
 * pick time (Envoy hostWeight, slow-start factor included), so a busy host gets less but never truly drains. With
 * bias 1 or 0 (1 is Envoy's default) and no ramp, the deadlines are exact fractions ({@link ExactEdf}); otherwise they
 * are Envoy's doubles ({@link EdfSchedule}).
 */
public final class LeastRequest implements Strategy {

    private final Endpoint[] peers;
    private final WeightedRandom draws;
    private final RandomSource random;
    private final double bias;
    private final boolean equalWeights;
    /** Bias 1 or 0 with whole weights: deadlines are exact fractions ({@link ExactEdf}). */
    private final boolean exact;
    private final int[] weights;
    /**
     * The idle pool's period for {@link ExactEdf}'s replay (null when too long), built with the snapshot, on the
     * thread that updates the pool rather than on an event loop's first pick.
     */
    private final ExactEdf.Period period;
    /** Envoy keeps one scheduler per worker; ours are per thread (event loop), so picks need no lock. */
    private final ThreadLocal<Schedules> schedules = ThreadLocal.withInitial(Schedules::new);

    /** One thread's schedules: the exact one, and Envoy's floating-point one for a ramp or another bias. */
    private static final class Schedules {
        ExactEdf exact;
        EdfSchedule floating;
    }

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
        this.exact = bias == 0.0 || bias == 1.0;
        this.weights = new int[peers.length];
        for (int i = 0; i < peers.length; i++) {
            weights[i] = peers[i].weight();
        }
        this.period = exact && !equalWeights ? ExactEdf.Period.of(weights) : null;
    }

    /**
     * Every pick is counted here: the exact schedule needs the count of the peer it takes, and reads it from the
     * atomic instruction that raises it ({@link Endpoint#countPick}).
     */
    @Override
    public boolean countsPick() {
        return true;
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
        return counted(powerOfTwoChoices(context, eligibility, nowNanos));
    }

    /** Counts the pick in flight; null stays null. */
    private static Endpoint counted(Endpoint peer) {
        if (peer != null) {
            peer.countPick();
        }
        return peer;
    }

    private Endpoint powerOfTwoChoices(PickContext context, Eligibility eligibility, long nowNanos) {
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
     * without an allowed peer, an exact weighted choice over the allowed ones (or null) decides. The pick returned is
     * counted in flight.
     */
    private Endpoint pickEarliestDeadline(PickContext context, Eligibility eligibility, long nowNanos) {
        Schedules own = schedules.get();
        // A ramp in the pool's health view makes weights fractional: Envoy's floating-point schedule then. (A ramp
        // that starts on another loop is seen once that loop has replaced the view, as every health change is.)
        if (exact && !eligibility.ramping()) {
            ExactEdf schedule = own.exact;
            if (schedule == null) {
                schedule = own.exact = exactSchedule();
            }
            for (int attempt = 0; attempt < peers.length; attempt++) {
                Endpoint peer = peers[schedule.next()];
                if (eligibility.allows(peer, context, nowNanos)) {
                    // Raise the count and learn what it was in one instruction: one cache-line transfer, not two.
                    schedule.advance(steps(peer.countPick()));
                    return peer;
                }
                schedule.advance(steps(peer.inFlight()));
            }
            return counted(draws.scan(-1, context, eligibility, nowNanos));
        }
        EdfSchedule schedule = own.floating;
        if (schedule == null) {
            schedule = own.floating = floatingSchedule(nowNanos);
        }
        boolean fullWeights = !eligibility.ramping(); // then an idle peer's dynamic weight is its configured weight
        for (int attempt = 0; attempt < peers.length; attempt++) {
            Endpoint peer = peers[schedule.next()];
            if (fullWeights && peer.inFlight() == 0) {
                schedule.advanceUsual(); // re-insert without dividing
            } else {
                schedule.advance(dynamicWeight(peer, nowNanos));
            }
            if (eligibility.allows(peer, context, nowNanos)) {
                return counted(peer);
            }
        }
        return counted(draws.scan(-1, context, eligibility, nowNanos));
    }

    /** 1 / Envoy's hostWeight in units of 1 / weight, for bias 1 or 0 without a ramp: in_flight + 1, or 1. */
    private long steps(int inFlight) {
        return bias == 0.0 ? 1 : inFlight + 1L;
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
     * This thread's exact schedule, then advanced by a random number of picks below the pool size, as Envoy's
     * EdfScheduler::createWithPicks does, so threads do not all start on the same peer.
     */
    private ExactEdf exactSchedule() {
        ExactEdf schedule = new ExactEdf(weights, period);
        for (int skip = random.nextInt(peers.length); skip > 0; skip--) {
            schedule.advance(steps(peers[schedule.next()].inFlight()));
        }
        return schedule;
    }

    /** This thread's floating-point schedule (Envoy's, for a ramp or a bias other than 1 and 0), placed the same way. */
    private EdfSchedule floatingSchedule(long nowNanos) {
        double[] weights = new double[peers.length];
        double[] idle = new double[peers.length];
        for (int i = 0; i < peers.length; i++) {
            weights[i] = dynamicWeight(peers[i], nowNanos);
            idle[i] = peers[i].weight(); // what dynamicWeight gives an idle peer at full weight
        }
        EdfSchedule schedule = new EdfSchedule(weights, idle);
        for (int skip = random.nextInt(peers.length); skip > 0; skip--) {
            schedule.advance(weights[schedule.next()]);
        }
        return schedule;
    }
}
