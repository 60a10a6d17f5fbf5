package dev.ballast.lb.health;

import static dev.ballast.lb.health.PassiveHealthTest.health;
import static dev.ballast.lb.health.PassiveHealthTest.picks;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.FakeClock;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.PoolConfig;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("active checks follow HAProxy rise/fall")
class ActiveHealthTest {

    @ParameterizedTest(name = "rise {0} fall {1}, trusted at start: {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            // probe results (+ pass, - fail) and the state after each: U up, D down
            "2 | 3 | true  | - + + - - - | D D U U U D",
            "2 | 3 | true  | + - - - +   | U U U D D",
            "2 | 3 | false | + - - -     | U U U D",
            "2 | 3 | false | - - +       | D D U",
            "3 | 2 | true  | - + + - + + + | D D D D D D U",
            "1 | 1 | true  | - + - +     | D U D U",
    })
    void stateMachine(int rise, int fall, boolean initialHealthy, String probes, String states) {
        ActiveHealth health = new ActiveHealth(rise, fall, initialHealthy);
        String[] results = probes.trim().split(" ");
        StringBuilder seen = new StringBuilder();

        for (String result : results) {
            health.record(result.equals("+"));
            seen.append(seen.length() == 0 ? "" : " ").append(health.isUp() ? "U" : "D");
        }

        assertThat(seen.toString()).isEqualTo(states.trim());
    }

    @Test
    void aDownEndpointGetsNoTrafficAndReturnsAfterRisePasses() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().strategy(StrategyConfig.roundRobin())
                .activeHealth(2, 3, true).panicThreshold(0).build(), new FakeClock(), Pools.equal(3));

        pool.recordProbe("a", false);
        assertThat(health(pool, "a")).isEqualTo("unhealthy");
        assertThat(picks(pool, 10)).doesNotContain("a");

        pool.recordProbe("a", true);
        assertThat(picks(pool, 10)).doesNotContain("a");
        pool.recordProbe("a", true);
        assertThat(picks(pool, 10)).contains("a");
    }

    @Test
    void anUntrustedNewEndpointWaitsForOnePassingProbe() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().strategy(StrategyConfig.leastConn())
                .activeHealth(2, 3, false).panicThreshold(0).build(), new FakeClock(), Pools.equal(2));

        assertThat(pool.pick(PickContext.of("192.0.2.1"))).isNull();
        assertThat(pool.state().usable()).isZero();

        pool.recordProbe("b", true);

        assertThat(picks(pool, 5)).containsOnly("b");
    }
}
