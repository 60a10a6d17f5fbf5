package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ballast.lb.HashKeySource;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("every weighted strategy honours weights within 1 percentage point over 100 000 picks")
class WeightDistributionTest {

    private static final int PICKS = 100_000;

    static Stream<Arguments> strategies() {
        return Stream.of(
                Arguments.of(StrategyConfig.roundRobin(), new int[] {5, 1, 1}),
                Arguments.of(StrategyConfig.roundRobin(), new int[] {1, 10, 100, 1000}),
                Arguments.of(StrategyConfig.leastConn(), new int[] {5, 1, 1}),
                Arguments.of(StrategyConfig.leastConn(), new int[] {3, 7, 1, 9}),
                Arguments.of(StrategyConfig.random(), new int[] {5, 1, 1}),
                Arguments.of(StrategyConfig.random(), new int[] {1, 10, 100, 1000}),
                Arguments.of(StrategyConfig.leastRequest(), new int[] {5, 1, 1}),
                Arguments.of(StrategyConfig.leastRequest(), new int[] {3, 7, 1, 9}),
                Arguments.of(StrategyConfig.leastRequest(0.5), new int[] {1, 1, 1, 1}),
                Arguments.of(StrategyConfig.consistentHash(HashKeySource.header("x-session"), 0), new int[] {5, 1, 1}),
                Arguments.of(StrategyConfig.consistentHash(HashKeySource.header("x-session"), 0),
                        new int[] {3, 7, 1, 9}),
                Arguments.of(StrategyConfig.ipHashNginx(), new int[] {5, 1, 1}),
                Arguments.of(StrategyConfig.ipHashNginx(), new int[] {3, 7, 1, 9}));
    }

    @ParameterizedTest(name = "{0} with weights {1}")
    @MethodSource("strategies")
    void sharesFollowWeights(StrategyConfig strategy, int[] weights) {
        UpstreamPool pool = Pools.pool(strategy, Pools.weighted(weights));
        double total = IntStream.of(weights).sum();

        Map<String, Integer> counts = Pools.counts(pool, PICKS);

        for (int i = 0; i < weights.length; i++) {
            int count = counts.getOrDefault(Pools.name(i), 0);
            double expected = weights[i] / total;
            assertThat(count / (double) PICKS).as("share of %s (weight %d)", Pools.name(i), weights[i])
                    .isCloseTo(expected, within(0.01));
            assertCountFits(Pools.name(i), weights[i], count, expected);
        }
    }

    /**
     * One percentage point says nothing about an endpoint whose share is below it (weight 1 of 1 111 is 0.09 %): its
     * own count must also lie within 1 % of what it should get, or within five binomial standard deviations of it
     * for the randomised strategies, whichever is wider. Never picking it fails.
     */
    private static void assertCountFits(String id, int weight, int count, double share) {
        double mean = PICKS * share;
        double band = Math.max(0.01 * mean, 5 * Math.sqrt(PICKS * share * (1 - share)));
        assertThat((double) count).as("picks of %s (weight %d), expected %.0f ± %.0f", id, weight, mean, band)
                .isCloseTo(mean, within(band));
    }

    static Stream<StrategyConfig> randomized() {
        return Stream.of(StrategyConfig.random(), StrategyConfig.leastRequest(), StrategyConfig.roundRobin(),
                StrategyConfig.leastConn());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("randomized")
    void sharesFollowWeightsWhenSomeEndpointIsOutToo(StrategyConfig strategy) {
        // A drained fourth endpoint takes every strategy off its all-usable fast path.
        UpstreamPool pool = Pools.pool(strategy, Pools.weighted(5, 1, 2, 7));
        pool.drain("d");

        Map<String, Integer> counts = Pools.counts(pool, PICKS);

        assertThat(counts).doesNotContainKey("d");
        assertThat(counts.get("a") / (double) PICKS).isCloseTo(5 / 8.0, within(0.01));
        assertThat(counts.get("b") / (double) PICKS).isCloseTo(1 / 8.0, within(0.01));
        assertThat(counts.get("c") / (double) PICKS).isCloseTo(2 / 8.0, within(0.01));
        assertCountFits("b", 1, counts.get("b"), 1 / 8.0);
    }
}
