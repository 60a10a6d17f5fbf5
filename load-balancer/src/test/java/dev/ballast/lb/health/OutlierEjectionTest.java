package dev.ballast.lb.health;

import static dev.ballast.lb.health.PassiveHealthTest.health;
import static dev.ballast.lb.health.PassiveHealthTest.pickFirst;
import static dev.ballast.lb.health.PassiveHealthTest.picks;
import static dev.ballast.lb.health.PassiveHealthTest.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.FakeClock;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PoolConfig;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

@DisplayName("outlier ejection follows Envoy: consecutive 5xx / gateway failures, base × n capped, max percent")
class OutlierEjectionTest {

    private final FakeClock clock = new FakeClock();

    private UpstreamPool pool(int endpoints, int maxEjectionPercent) {
        PoolConfig config = PoolConfig.builder()
                .strategy(StrategyConfig.roundRobin())
                .passive(0, Duration.ofSeconds(10)) // isolate Envoy semantics
                .outlier(5, 5, Duration.ofSeconds(30), Duration.ofSeconds(300), maxEjectionPercent)
                .panicThreshold(0)
                .build();
        return Pools.pool(config, clock, Pools.equal(endpoints));
    }

    @Test
    void fiveConsecutiveServerErrorsEjectForTheBaseTime() {
        UpstreamPool pool = pool(10, 10);

        repeat(pool, "a", Outcome.SERVER_ERROR, 4);
        assertThat(health(pool, "a")).isEqualTo("healthy");
        repeat(pool, "a", Outcome.SERVER_ERROR, 1);

        assertThat(health(pool, "a")).isEqualTo("ejected");
        assertThat(state(pool, "a").ejectedUntilEpochMillis()).isEqualTo(clock.epochMillis() + 30_000);
        assertThat(state(pool, "a").ejectionCount()).isEqualTo(1);
        assertThat(picks(pool, 50)).doesNotContain("a");

        clock.advance(Duration.ofSeconds(30));
        assertThat(health(pool, "a")).isEqualTo("healthy");
        assertThat(picks(pool, 20)).contains("a");
    }

    @Test
    void aSuccessResetsTheCount() {
        UpstreamPool pool = pool(10, 10);

        repeat(pool, "a", Outcome.SERVER_ERROR, 4);
        repeat(pool, "a", Outcome.SUCCESS, 1);
        repeat(pool, "a", Outcome.SERVER_ERROR, 4);

        assertThat(health(pool, "a")).isEqualTo("healthy");
    }

    @Test
    void gatewayFailuresAndTimeoutsCountAsGatewayFailures() {
        UpstreamPool pool = pool(10, 10);

        repeat(pool, "a", Outcome.GATEWAY_FAILURE, 3);
        repeat(pool, "a", Outcome.TIMEOUT, 2);

        assertThat(health(pool, "a")).isEqualTo("ejected");
    }

    /** Neither a client abort nor the gateway's own limit (LOCAL_LIMIT) resets or moves the counters. */
    @ParameterizedTest
    @EnumSource(value = Outcome.class, names = {"CLIENT_ABORT", "LOCAL_LIMIT"})
    void neutralOutcomesSayNothingAboutTheEndpoint(Outcome neutral) {
        UpstreamPool pool = pool(10, 10);

        repeat(pool, "a", Outcome.SERVER_ERROR, 4);
        repeat(pool, "a", neutral, 3);
        repeat(pool, "a", Outcome.SERVER_ERROR, 1);

        assertThat(health(pool, "a")).isEqualTo("ejected");
    }

    @ParameterizedTest(name = "ejection #{0} in a row lasts {1} s")
    @CsvSource({"1, 30", "2, 60", "3, 90", "5, 150", "10, 300", "11, 300", "20, 300"})
    void ejectionTimeGrowsWithEachEjectionInARowAndIsCapped(int ejection, int seconds) {
        UpstreamPool pool = pool(10, 10);

        ejectBackToBack(pool, "a", ejection - 1);
        repeat(pool, "a", Outcome.SERVER_ERROR, 5);

        assertThat(state(pool, "a").ejectionCount()).isEqualTo(ejection);
        assertThat(state(pool, "a").ejectedUntilEpochMillis()).isEqualTo(clock.epochMillis() + seconds * 1000L);
    }

    @Test
    void eachCleanIntervalAfterAnEjectionShortensTheNextOne() {
        UpstreamPool pool = pool(10, 10);
        ejectBackToBack(pool, "a", 3); // 30, 60, 90 s

        clock.advance(Duration.ofSeconds(20)); // two clean 10 s intervals: backoff 3 -> 1
        repeat(pool, "a", Outcome.SERVER_ERROR, 5);

        assertThat(state(pool, "a").ejectedUntilEpochMillis()).isEqualTo(clock.epochMillis() + 60_000L);
        clock.advance(Duration.ofHours(1)); // long healthy: backoff back to 0
        repeat(pool, "a", Outcome.SERVER_ERROR, 5);
        assertThat(state(pool, "a").ejectedUntilEpochMillis()).isEqualTo(clock.epochMillis() + 30_000L);
        assertThat(state(pool, "a").ejectionCount()).isEqualTo(5);
    }

    @Test
    void neverMoreThanTheMaximumShareIsEjectedButAlwaysOneMayBe() {
        UpstreamPool pool = pool(10, 10); // 10 % of 10 = 1

        repeat(pool, "a", Outcome.SERVER_ERROR, 5);
        repeat(pool, "b", Outcome.SERVER_ERROR, 5);

        assertThat(health(pool, "a")).isEqualTo("ejected");
        assertThat(health(pool, "b")).isEqualTo("healthy");

        UpstreamPool small = pool(3, 0); // 0 % still allows one (Envoy)
        repeat(small, "a", Outcome.SERVER_ERROR, 5);
        assertThat(health(small, "a")).isEqualTo("ejected");
    }

    /**
     * Envoy resets the counter that tripped once the ejection has been tried, ejected or not
     * (onConsecutiveErrorWorker), so an endpoint refused by max_ejection_percent trips again after another run of
     * errors. Found by review: the count went past the threshold and the endpoint could never be ejected again.
     */
    @Test
    void anEjectionRefusedByTheMaximumShareStartsTheCountOver() {
        UpstreamPool pool = pool(10, 10); // 10 % of 10 = 1

        repeat(pool, "a", Outcome.SERVER_ERROR, 5);
        repeat(pool, "b", Outcome.SERVER_ERROR, 5);
        assertThat(health(pool, "b")).as("refused: a is out").isEqualTo("healthy");
        assertThat(state(pool, "b").consecutiveFailures()).as("the tripped counter starts over").isZero();

        clock.advance(Duration.ofSeconds(31));
        assertThat(health(pool, "a")).isEqualTo("healthy");
        repeat(pool, "b", Outcome.SERVER_ERROR, 4);
        assertThat(health(pool, "b")).isEqualTo("healthy");
        repeat(pool, "b", Outcome.SERVER_ERROR, 1);
        assertThat(health(pool, "b")).isEqualTo("ejected");

        repeat(pool, "c", Outcome.GATEWAY_FAILURE, 5);
        assertThat(health(pool, "c")).as("refused again: b is out").isEqualTo("healthy");
        clock.advance(Duration.ofSeconds(31));
        repeat(pool, "c", Outcome.GATEWAY_FAILURE, 4);
        assertThat(health(pool, "c")).as("both counters tripped and started over").isEqualTo("healthy");
        repeat(pool, "c", Outcome.GATEWAY_FAILURE, 1);
        assertThat(health(pool, "c")).isEqualTo("ejected");
    }

    @Test
    void atLeastOneEndpointAlwaysStays() {
        UpstreamPool pool = pool(2, 100);

        repeat(pool, "a", Outcome.SERVER_ERROR, 5);
        repeat(pool, "b", Outcome.SERVER_ERROR, 5);

        assertThat(health(pool, "a")).isEqualTo("ejected");
        assertThat(health(pool, "b")).isEqualTo("healthy");
    }

    @Test
    void aPassingActiveProbeEndsTheEjectionEarly() {
        UpstreamPool pool = pool(10, 10);
        repeat(pool, "a", Outcome.SERVER_ERROR, 5);

        pool.recordProbe("a", true);

        assertThat(health(pool, "a")).isEqualTo("healthy");
        assertThat(picks(pool, 20)).contains("a");
    }

    /** Ejects the endpoint and lets each ejection run out exactly, so no clean interval passes in between. */
    private void ejectBackToBack(UpstreamPool pool, String id, int times) {
        for (int n = 0; n < times; n++) {
            repeat(pool, id, Outcome.SERVER_ERROR, 5);
            clock.advance(Duration.ofMillis(state(pool, id).ejectedUntilEpochMillis() - clock.epochMillis()));
        }
    }

    private static void repeat(UpstreamPool pool, String id, Outcome outcome, int times) {
        for (int i = 0; i < times; i++) {
            pickFirst(pool, id).complete(outcome);
        }
    }
}
