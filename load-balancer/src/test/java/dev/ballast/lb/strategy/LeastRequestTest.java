package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ballast.lb.FakeClock;
import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.PoolConfig;
import dev.ballast.lb.Pools;
import dev.ballast.lb.RandomSource;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("least request follows Envoy: P2C for equal weights, EDF over weight / (in_flight + 1)^bias otherwise")
class LeastRequestTest {

    private static final int PICKS = 20_000;

    @ParameterizedTest(name = "weights {0}, open requests {1}, bias {2} -> shares {3}")
    @CsvSource(delimiter = '|', value = {
            // idle pool: the static weights exactly
            "5 1 1   | 0 0 0  | 1.0 | 0.7143 0.1429 0.1429",
            // Envoy's docs example: weight 2 with 4 active requests has dynamic weight 2 / (4 + 1) = 0.4
            "2 1     | 4 0    | 1.0 | 0.2857 0.7143",
            // a busy host gets less but never truly drains (unlike P2C): 2/21 against 1
            "2 1     | 20 0   | 1.0 | 0.0870 0.9130",
            // bias 0: load is ignored, plain weighted round robin
            "3 1     | 9 0    | 0.0 | 0.7500 0.2500",
            // bias 0.5: 3 / sqrt(4) = 1.5 against 1
            "3 1     | 3 0    | 0.5 | 0.6000 0.4000",
            // bias 2: 4/4, 2/4, 1/1
            "4 2 1   | 1 1 0  | 2.0 | 0.4000 0.2000 0.4000",
            "1 10 100 | 0 9 99 | 1.0 | 0.3333 0.3333 0.3333"})
    void earliestDeadlineFirstSharesFollowTheDynamicWeights(String weights, String open, double bias,
            String shares) {
        int[] w = ints(weights);
        int[] held = ints(open);
        double[] expected = Arrays.stream(shares.split(" ")).mapToDouble(Double::parseDouble).toArray();
        UpstreamPool pool = Pools.pool(StrategyConfig.leastRequest(bias), Pools.weighted(w));
        List<Lease> streams = hold(pool, held);

        Map<String, Integer> counts = Pools.counts(pool, PICKS);

        for (int i = 0; i < w.length; i++) {
            double share = counts.getOrDefault(Pools.name(i), 0) / (double) PICKS;
            assertThat(share).as("share of %s (weight %d, %d open)", Pools.name(i), w[i], held[i])
                    .isCloseTo(expected[i], within(0.002));
        }
        streams.forEach(lease -> lease.complete(Outcome.SUCCESS));
    }

    @Test
    void anIdleWeightedPoolServesEachEndpointItsWeightInEveryWindowOfOnePeriod() {
        // EDF deadlines 1/w: a at 0.25, 0.5, 0.75, 1; b at 0.5, 1; c at 1. The schedule repeats every 7 picks, so
        // any 7 consecutive picks (wherever the thread's random start put us) hold a 4 times, b twice, c once;
        // weighted random would not.
        UpstreamPool pool = Pools.pool(StrategyConfig.leastRequest(), Pools.weighted(4, 2, 1));

        List<String> picks = Pools.sequence(pool, 28);

        for (int start = 0; start + 7 <= picks.size(); start++) {
            List<String> window = picks.subList(start, start + 7);
            assertThat(window).as("picks %d..%d of %s", start, start + 6, picks)
                    .containsExactlyInAnyOrder("a", "a", "a", "a", "b", "b", "c");
        }
    }

    @Test
    void equalWeightsUsePowerOfTwoChoicesSoABusyEndpointGetsNothingWhileOthersAreIdle() {
        UpstreamPool pool = Pools.pool(StrategyConfig.leastRequest(), Pools.equal(3));
        List<Lease> streams = hold(pool, new int[] {1, 0, 0});

        Map<String, Integer> counts = Pools.counts(pool, 1_000);

        // EDF would give a 0.5 / 2.5 = 20 %; two distinct draws always include b or c, which have fewer in flight.
        assertThat(counts).doesNotContainKey("a");
        assertThat(counts.get("b") / 1_000.0).isCloseTo(0.5, within(0.05));
        streams.forEach(lease -> lease.complete(Outcome.SUCCESS));
    }

    @Test
    void equalWeightsDuringSlowStartUseTheScheduleWithTheRampedWeight() {
        FakeClock clock = new FakeClock();
        UpstreamPool pool = Pools.pool(PoolConfig.builder().strategy(StrategyConfig.leastRequest())
                .slowStart(Duration.ofSeconds(100)).build(), clock, Pools.equal(1));
        pool.update(Pools.equal(2));
        clock.advance(Duration.ofSeconds(50)); // b at 55 % of its weight

        Map<String, Integer> counts = Pools.counts(pool, PICKS);

        assertThat(counts.get("b") / (double) PICKS).isCloseTo(0.55 / 1.55, within(0.002));
    }

    /**
     * Weights 10 and 1: a's tenth deadline and b's first are both 1. Exact fractions tie them and the smaller weight
     * goes first; Envoy's doubles add ten steps of 0.1 to 0.9999999999999999 and give a the tenth pick.
     */
    @Test
    void deadlinesAreExactFractionsSoEqualDeadlinesTieWhereDoublesWouldRound() {
        UpstreamPool pool = UpstreamPool.create("test", PoolConfig.builder().strategy(StrategyConfig.leastRequest())
                .build(), new FakeClock(), NO_RANDOM_START);
        pool.update(Pools.weighted(10, 1));

        List<String> picks = Pools.sequence(pool, 22);

        assertThat(picks).containsExactly("a", "a", "a", "a", "a", "a", "a", "a", "a", "b", "a",
                "a", "a", "a", "a", "a", "a", "a", "a", "a", "b", "a");
    }

    @Test
    void aRampMovesAWeightedPoolToFractionalWeightsAndItsEndBringsTheExactScheduleBack() {
        FakeClock clock = new FakeClock();
        UpstreamPool pool = UpstreamPool.create("test", PoolConfig.builder().strategy(StrategyConfig.leastRequest())
                .slowStart(Duration.ofSeconds(100)).build(), clock, NO_RANDOM_START);
        pool.update(Pools.weighted(10, 1));
        pool.update(Pools.weighted(10, 1, 1));
        clock.advance(Duration.ofSeconds(50)); // c at 55 % of its weight: Envoy's floating-point schedule

        Map<String, Integer> ramping = Pools.counts(pool, PICKS);

        assertThat(ramping.get("c") / (double) PICKS).isCloseTo(0.55 / 11.55, within(0.002));
        assertThat(ramping.get("a") / (double) PICKS).isCloseTo(10 / 11.55, within(0.002));

        clock.advance(Duration.ofSeconds(50)); // the ramp is over: exact deadlines, a's tenth ties b and c at 1
        assertThat(Pools.sequence(pool, 12)).containsExactly("a", "a", "a", "a", "a", "a", "a", "a", "a", "b", "c",
                "a");
    }

    /** Every draw 0: each thread's schedule starts at its first pick (no random skip), so orders are fixed. */
    private static final RandomSource NO_RANDOM_START = new RandomSource() {
        @Override
        public int nextInt(int bound) {
            return 0;
        }

        @Override
        public long nextLong(long bound) {
            return 0;
        }

        @Override
        public long nextLong() {
            return 0;
        }
    };

    @Test
    void aRetryNeverGoesBackToAnEndpointItAlreadyTried() {
        UpstreamPool pool = Pools.pool(StrategyConfig.leastRequest(), Pools.weighted(5, 1, 1));

        for (int i = 0; i < 200; i++) {
            Lease lease = pool.pick(new PickContext("192.0.2.1", null, Set.of("a", "b")));
            assertThat(lease.endpoint().id()).isEqualTo("c");
            lease.complete(Outcome.SUCCESS);
        }
        assertThat(pool.pick(new PickContext("192.0.2.1", null, Set.of("a", "b", "c")))).isNull();
    }

    /** Opens {@code held[i]} leases on endpoint i, steering each with the avoid set. */
    private static List<Lease> hold(UpstreamPool pool, int[] held) {
        Set<String> all = new HashSet<>();
        for (int i = 0; i < held.length; i++) {
            all.add(Pools.name(i));
        }
        List<Lease> leases = new ArrayList<>();
        for (int i = 0; i < held.length; i++) {
            Set<String> others = new HashSet<>(all);
            others.remove(Pools.name(i));
            for (int k = 0; k < held[i]; k++) {
                Lease lease = pool.pick(new PickContext("192.0.2.1", null, others));
                assertThat(lease.endpoint().id()).isEqualTo(Pools.name(i));
                leases.add(lease);
            }
        }
        return leases;
    }

    private static int[] ints(String spaced) {
        return Arrays.stream(spaced.trim().split(" +")).mapToInt(Integer::parseInt).toArray();
    }
}
