package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("round-robin follows nginx smooth weighted round robin exactly")
class SmoothWeightedRoundRobinTest {

    @ParameterizedTest(name = "weights {0} give {1}")
    @CsvSource(delimiter = '|', value = {
            "5 1 1 | a a b a c a a",   // nginx commit 52327e06 message
            "4 2 1 | a b a c a b a",
            "3 1   | a a b a",
            "3 2   | a b a b a",
            "1 1 1 | a b c",
            "1     | a",
    })
    void sequenceMatchesNginx(String weights, String expected) {
        int[] w = Arrays.stream(weights.trim().split(" +")).mapToInt(Integer::parseInt).toArray();
        UpstreamPool pool = Pools.pool(StrategyConfig.roundRobin(), Pools.weighted(w));
        int period = IntStream.of(w).sum();

        String firstPeriod = String.join(" ", Pools.sequence(pool, period));
        String secondPeriod = String.join(" ", Pools.sequence(pool, period));

        assertThat(firstPeriod).isEqualTo(expected.trim());
        assertThat(secondPeriod).as("the sequence repeats with period sum(weights)").isEqualTo(expected.trim());
    }
}
