package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Least-conn against a literal model: while some peer is idle, the next idle peer in nginx's all-peers smooth round
 * (ngx_http_upstream_get_peer over a pool of usable peers), within the strategy's bounds; otherwise nginx's
 * ngx_http_upstream_get_least_conn_peer on current weights of its own (pass one: least conns/weight by
 * cross-multiplying, remembering the first best and whether there are many; pass two: smooth round over the tied
 * from the first best on). Requests are held open at random so the least loaded group starts anywhere in the list,
 * and every pick is checked to be in nginx's least loaded group.
 */
@DisplayName("least-conn picks exactly what the model picks: the all-peers round's next idle peer, else nginx's least_conn")
class LeastConnectionsParityTest {

    @ParameterizedTest(name = "{0} endpoints, seed {1}")
    @CsvSource({"2, 1", "3, 2", "7, 3", "20, 4", "100, 5"})
    void everyPickMatchesTheNginxModel(int endpoints, long seed) {
        Random random = new Random(seed);
        int[] weights = random.ints(endpoints, 1, 6).toArray();
        UpstreamPool pool = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(weights));
        // Keep a few dozen requests open, completing a random one now and then.
        pickAndHoldAtRandom(pool, new NginxLeastConn(weights), random, 5_000, 3 * endpoints + 1);
    }

    /**
     * Heavy and light peers: with the heavy ones busy, the light idle ones come round too rarely for the walk, so
     * nginx's round over the idle decides; with a heavy one idle, the walk finds it.
     */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"31", "32"})
    void idlePeersWithTooLittleWeightForTheWalkGetNginxRoundOverTheIdle(long seed) {
        Random random = new Random(seed);
        int[] weights = {100, 1, 100, 100, 1, 100, 100, 100, 1, 100, 100, 1};
        UpstreamPool pool = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(weights));
        NginxLeastConn nginx =
                pickAndHoldAtRandom(pool, new NginxLeastConn(weights), random, 5_000, 2 * weights.length);
        assertThat(nginx.walked).as("picks where the walk found an idle peer").isPositive();
        assertThat(nginx.roundsOverIdle).as("picks where nginx's round over the idle decided").isPositive();
    }

    /**
     * A pool whose weights sum past the longest replayed period: the all-peers round still offers its winners, but
     * after the busy offers nginx's round over the idle peers decides.
     */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource({"21", "22"})
    void aPeriodTooLongToReplayFallsBackToNginxRoundOverTheIdle(long seed) {
        Random random = new Random(seed);
        int[] weights = random.ints(100, 700, 1001).toArray();
        assertThat(java.util.Arrays.stream(weights).sum()).isGreaterThan(SmoothWeightedRoundRobin.MAX_REPLAYED_CYCLE);
        UpstreamPool pool = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(weights));
        NginxLeastConn nginx = pickAndHoldAtRandom(pool, new NginxLeastConn(weights), random, 3_000, 150);
        assertThat(nginx.walked).isZero();
        assertThat(nginx.roundsOverIdle).as("picks where nginx's round over the idle decided").isPositive();
    }

    /**
     * Picks {@code steps} times, each checked against the model and held open; after each pick, requests picked at
     * random complete until fewer remain open than a random bound below {@code openBound}.
     */
    private static NginxLeastConn pickAndHoldAtRandom(UpstreamPool pool, NginxLeastConn nginx, Random random,
            int steps, int openBound) {
        int endpoints = nginx.weight.length;
        List<Lease> open = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            int expected = nginx.pick();
            Lease lease = pool.pick(PickContext.of("192.0.2.1"));

            assertThat(lease.endpoint().id()).as("pick %d", step).isEqualTo(Pools.name(expected));
            assertThat(nginx.leastLoaded(expected)).as("pick %d is least loaded", step).isTrue();
            nginx.conns[expected]++;
            open.add(lease);
            while (open.size() > random.nextInt(openBound)) {
                Lease done = open.remove(random.nextInt(open.size()));
                done.complete(Outcome.SUCCESS);
                nginx.conns[Pools.indexOf(done.endpoint().id(), endpoints)]--;
            }
        }
        return nginx;
    }

    /**
     * Stretches where every request ends before the next pick, long enough for the thread to record and replay
     * whole periods of all-peers rounds (every peer idle: the tied group is the whole pool), alternate with
     * stretches that hold requests open, so the replayed round passes over busy peers from arbitrary positions and
     * nginx's own rounds run in between.
     */
    @ParameterizedTest(name = "{0} endpoints, seed {1}")
    @CsvSource({"2, 11", "3, 12", "20, 13", "100, 14"})
    void idleStretchesLongEnoughToReplayStillMatchTheNginxModel(int endpoints, long seed) {
        Random random = new Random(seed);
        int[] weights = random.ints(endpoints, 1, 6).toArray();
        int period = java.util.Arrays.stream(weights).sum();
        UpstreamPool pool = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(weights));
        NginxLeastConn nginx = new NginxLeastConn(weights);
        List<Lease> open = new ArrayList<>();
        int step = 0;
        for (int stretch = 0; stretch < 12; stretch++) {
            for (int i = 2 * period + random.nextInt(period + 1); i > 0; i--, step++) {
                int expected = nginx.pick();
                Lease lease = pool.pick(PickContext.of("192.0.2.1"));
                assertThat(lease.endpoint().id()).as("idle pick %d", step).isEqualTo(Pools.name(expected));
                lease.complete(Outcome.SUCCESS);
            }
            for (int i = 1 + random.nextInt(2 * endpoints); i > 0; i--, step++) {
                int expected = nginx.pick();
                Lease lease = pool.pick(PickContext.of("192.0.2.1"));
                assertThat(lease.endpoint().id()).as("busy pick %d", step).isEqualTo(Pools.name(expected));
                nginx.conns[expected]++;
                open.add(lease);
                if (random.nextInt(3) == 0) {
                    Lease done = open.remove(random.nextInt(open.size()));
                    done.complete(Outcome.SUCCESS);
                    nginx.conns[Pools.indexOf(done.endpoint().id(), endpoints)]--;
                }
            }
            for (Lease lease : open) {
                lease.complete(Outcome.SUCCESS);
                nginx.conns[Pools.indexOf(lease.endpoint().id(), endpoints)]--;
            }
            open.clear();
        }
    }

    /**
     * Over peers that are all up at full effective weight: nginx's all-peers round offers a peer, then nginx's
     * least_conn, each transcribed loop for loop on its own current weights.
     */
    private static final class NginxLeastConn {
        final int[] weight;
        final int[] conns;
        final int[] current;
        final int[] offerCurrent;

        final int period;
        /** All-peers rounds so far: the strategy's thread replays its period once it has recorded one. */
        int rounds;
        /** Picks where the walk past the first offers found an idle peer, and where nginx's round over the idle did. */
        int walked;
        int roundsOverIdle;

        NginxLeastConn(int[] weight) {
            this.weight = weight;
            this.period = java.util.Arrays.stream(weight).sum();
            this.conns = new int[weight.length];
            this.current = new int[weight.length];
            this.offerCurrent = new int[weight.length];
        }

        /**
         * The all-peers round offers peers until one is idle. When none is idle after the strategy's first
         * {@link LeastConnections#OFFERS} offers, nginx's least_conn decides. When some is, the round walks on to
         * it, for at most {@link LeastConnections#WALK_PER_PEER} offers per peer, if the thread replays its period
         * (it has recorded one, and the period is not too long to record); otherwise nginx's least_conn decides,
         * which with some peer idle is nginx's round over the idle peers.
         */
        int pick() {
            for (int offer = 0; offer < LeastConnections.OFFERS; offer++) {
                int offered = allPeersRound();
                if (conns[offered] == 0) {
                    return offered;
                }
            }
            if (java.util.Arrays.stream(conns).noneMatch(c -> c == 0)) {
                return leastConn();
            }
            boolean replaying = period <= SmoothWeightedRoundRobin.MAX_REPLAYED_CYCLE && rounds >= period;
            for (int step = replaying ? Math.min(period, LeastConnections.WALK_PER_PEER * weight.length) : 0;
                    step > 0; step--) {
                int offered = allPeersRound();
                if (conns[offered] == 0) {
                    walked++;
                    return offered;
                }
            }
            roundsOverIdle++;
            return leastConn();
        }

        private int allPeersRound() {
            rounds++;
            int best = -1;
            int total = 0;
            for (int i = 0; i < weight.length; i++) {
                offerCurrent[i] += weight[i];
                total += weight[i];
                if (best < 0 || offerCurrent[i] > offerCurrent[best]) {
                    best = i;
                }
            }
            offerCurrent[best] -= total;
            return best;
        }

        boolean leastLoaded(int peer) {
            for (int i = 0; i < weight.length; i++) {
                if (conns[i] * weight[peer] < conns[peer] * weight[i]) {
                    return false;
                }
            }
            return true;
        }

        int leastConn() {
            int best = -1;
            boolean many = false;
            for (int i = 0; i < weight.length; i++) {
                if (best < 0 || conns[i] * weight[best] < conns[best] * weight[i]) {
                    best = i;
                    many = false;
                } else if (conns[i] * weight[best] == conns[best] * weight[i]) {
                    many = true;
                }
            }
            if (!many) {
                return best;
            }
            int chosen = best;
            int total = 0;
            for (int i = best; i < weight.length; i++) {
                if (conns[i] * weight[best] != conns[best] * weight[i]) {
                    continue;
                }
                current[i] += weight[i];
                total += weight[i];
                if (current[i] > current[chosen]) {
                    chosen = i;
                }
            }
            current[chosen] -= total;
            return chosen;
        }
    }
}
