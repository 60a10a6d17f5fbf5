package dev.ballast.lb.health;

import static dev.ballast.lb.health.PassiveHealthTest.picks;
import static dev.ballast.lb.health.PassiveHealthTest.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.FakeClock;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.PoolConfig;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("panic mode (Envoy) and slow start")
class PanicAndSlowStartTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void belowTheThresholdThePoolSpreadsOverAllEndpointsAndSaysSo() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().strategy(StrategyConfig.roundRobin()).build(), clock,
                Pools.equal(4));

        pool.recordProbe("a", false);
        pool.recordProbe("b", false);
        assertThat(pool.state().panic()).as("2 of 4 usable is not below 50 %").isFalse();
        assertThat(picks(pool, 8)).containsOnly("c", "d");

        pool.recordProbe("c", false);

        assertThat(pool.state().panic()).isTrue();
        assertThat(pool.state().usable()).isEqualTo(1);
        assertThat(picks(pool, 8)).containsOnly("a", "b", "c", "d");

        pool.recordProbe("a", true);
        pool.recordProbe("a", true);
        assertThat(pool.state().panic()).isFalse();
    }

    @Test
    void whenEveryEndpointIsDownPanicStillServesAndAZeroThresholdFailsFast() {
        UpstreamPool panicking = Pools.pool(PoolConfig.builder().build(), clock, Pools.equal(2));
        UpstreamPool strict = Pools.pool(PoolConfig.builder().panicThreshold(0).build(), clock, Pools.equal(2));
        for (UpstreamPool pool : List.of(panicking, strict)) {
            pool.recordProbe("a", false);
            pool.recordProbe("b", false);
        }

        assertThat(panicking.pick(PickContext.of("192.0.2.1"))).isNotNull();
        assertThat(strict.pick(PickContext.of("192.0.2.1"))).isNull();
    }

    @Test
    void panicIsReportedOncePerStateChangeNotOncePerPick() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().build(), clock, Pools.equal(4));
        pool.recordProbe("a", false);
        pool.recordProbe("b", false);
        pool.recordProbe("c", false);

        // Every failed request is a health event that rebuilds the pool's view: the old code logged panic each time.
        for (int i = 0; i < 1_000; i++) {
            pool.pick(PickContext.of("192.0.2.1")).complete(i % 2 == 0 ? Outcome.GATEWAY_FAILURE : Outcome.SUCCESS);
            pool.state();
        }
        long whileInPanic = pool.panicTransitions();
        clock.advance(Duration.ofSeconds(301)); // past every fail_timeout and ejection the failures caused
        pool.recordProbe("a", true);
        pool.recordProbe("a", true);
        pool.state();
        for (int i = 0; i < 100; i++) {
            pool.pick(PickContext.of("192.0.2.1")).complete(Outcome.SUCCESS);
        }

        assertThat(whileInPanic).as("entered panic").isEqualTo(1);
        assertThat(pool.state().panic()).isFalse();
        assertThat(pool.panicTransitions()).as("entered, then left").isEqualTo(2);
    }

    @Test
    void panicEndsByItselfWhenEjectionsRunOut() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().passive(0, Duration.ofSeconds(10))
                .outlier(1, 0, Duration.ofSeconds(30), Duration.ofSeconds(300), 70).build(), clock, Pools.equal(3));
        PassiveHealthTest.pickFirst(pool, "a").complete(Outcome.SERVER_ERROR);
        PassiveHealthTest.pickFirst(pool, "b").complete(Outcome.SERVER_ERROR);
        assertThat(pool.state().panic()).as("1 of 3 usable").isTrue();

        clock.advance(Duration.ofSeconds(30));

        assertThat(pool.state().panic()).isFalse();
        assertThat(picks(pool, 6)).containsOnly("a", "b", "c");
    }

    @ParameterizedTest(name = "{0} s into a 100 s window, weight factor {1} permille")
    @CsvSource({"0, 100", "50, 550", "90, 910", "100, 1000", "500, 1000"})
    void aNewEndpointRampsLinearlyFromTenPercent(int seconds, int permille) {
        PoolConfig config = PoolConfig.builder().strategy(StrategyConfig.roundRobin())
                .slowStart(Duration.ofSeconds(100)).build();
        UpstreamPool pool = Pools.pool(config, clock, Pools.weighted(10));
        pool.update(Pools.weighted(10, 10));

        clock.advance(Duration.ofSeconds(seconds));

        assertThat(pool.endpoints().get(1).slowStartPermille(clock.nanoTime())).isEqualTo(permille);
        assertThat(state(pool, "b").effectiveWeight()).isEqualTo(10 * permille / 1000);
        int period = 1000 + permille;
        List<String> sequence = picks(pool, period);
        assertThat(Collections.frequency(sequence, "b")).as("round robin share").isEqualTo(permille);
    }

    @Test
    void endpointsPresentWhenThePoolStartsDoNotRamp() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().slowStart(Duration.ofSeconds(100)).build(), clock,
                Pools.equal(2));

        assertThat(pool.endpoints()).allSatisfy(e -> assertThat(e.slowStartPermille(clock.nanoTime())).isEqualTo(1000));
    }

    /**
     * HAProxy: "the slowstart never applies when HAProxy starts", only to a server seen failed before. An endpoint
     * there from the start that waits for its first passing probe (initialHealthy false) is not recovering: it takes
     * its full weight at once. Found by review: it ramped from 10 %, and in panic nearly everything went to the
     * endpoints no probe had passed yet. One added to a running pool still ramps from its first passing probe.
     */
    @Test
    void theFirstPassingProbeOfAnEndpointPresentAtStartDoesNotRamp() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().activeHealth(2, 3, false)
                .slowStart(Duration.ofSeconds(30)).build(), clock, Pools.equal(2));
        pool.recordProbe("a", true);
        assertThat(pool.endpoint("a").slowStartPermille(clock.nanoTime())).isEqualTo(1000);

        pool.update(Pools.equal(3));
        clock.advance(Duration.ofSeconds(40)); // longer than the window: the ramp starts when c is first UP
        pool.recordProbe("c", true);
        assertThat(pool.endpoint("c").slowStartPermille(clock.nanoTime())).isEqualTo(100);
    }

    /** Envoy: panic below the threshold, strictly; 7 of 25 usable is exactly 28 % (0.28 × 25 is not 7 in binary). */
    @Test
    void theThresholdItselfIsNotPanicEvenWhereBinaryFractionsRoundUp() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().panicThreshold(0.28).build(), clock, Pools.equal(25));
        for (int i = 7; i < 25; i++) {
            for (int probe = 0; probe < 3; probe++) {
                pool.recordProbe(Pools.name(i), false);
            }
        }
        assertThat(pool.state().usable()).isEqualTo(7);
        assertThat(pool.state().panic()).isFalse();
        for (int probe = 0; probe < 3; probe++) {
            pool.recordProbe(Pools.name(6), false);
        }
        assertThat(pool.state().panic()).as("6 of 25 is below 28 %").isTrue();
    }

    @Test
    void anEndpointRampsAgainAfterItsEjectionEnds() {
        PoolConfig config = PoolConfig.builder().passive(0, Duration.ofSeconds(10))
                .outlier(1, 0, Duration.ofSeconds(30), Duration.ofSeconds(300), 50)
                .slowStart(Duration.ofSeconds(60)).build();
        UpstreamPool pool = Pools.pool(config, clock, Pools.equal(4));
        PassiveHealthTest.pickFirst(pool, "a").complete(Outcome.SERVER_ERROR);

        clock.advance(Duration.ofSeconds(30));
        assertThat(pool.endpoints().get(0).slowStartPermille(clock.nanoTime())).isEqualTo(100);
        clock.advance(Duration.ofSeconds(30));

        assertThat(pool.endpoints().get(0).slowStartPermille(clock.nanoTime())).isEqualTo(550);
    }

    @Test
    void anEndpointRampsAgainAfterActiveChecksBringItBack() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().slowStart(Duration.ofSeconds(10)).build(), clock,
                Pools.equal(3));
        pool.recordProbe("a", false);
        pool.recordProbe("a", true);
        pool.recordProbe("a", true);

        assertThat(pool.endpoints().get(0).slowStartPermille(clock.nanoTime())).isEqualTo(100);
    }
}
