package dev.ballast.lb.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.EndpointState;
import dev.ballast.lb.FakeClock;
import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.PoolConfig;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("passive health follows nginx max_fails / fail_timeout")
class PassiveHealthTest {

    private final FakeClock clock = new FakeClock();

    private UpstreamPool pool(int maxFails, int... weights) {
        PoolConfig config = PoolConfig.builder()
                .strategy(StrategyConfig.roundRobin())
                .passive(maxFails, Duration.ofSeconds(10))
                .outlier(0, 0, Duration.ofSeconds(30), Duration.ofSeconds(300), 10) // isolate nginx semantics
                .panicThreshold(0)
                .build();
        return Pools.pool(config, clock, Pools.weighted(weights));
    }

    @Test
    void oneFailureDisablesTheEndpointForFailTimeoutThenOneTrialDecides() {
        UpstreamPool pool = pool(1, 1, 1);
        fail(pool, "a");

        assertThat(picks(pool, 4)).containsOnly("b");
        assertThat(health(pool, "a")).isEqualTo("failed");

        clock.advance(Duration.ofSeconds(10));
        assertThat(picks(pool, 4)).as("still within fail_timeout (now - checked <= fail_timeout)").containsOnly("b");

        clock.advance(Duration.ofNanos(1));
        Lease trial = pickFirst(pool, "a");
        assertThat(trial).as("after fail_timeout the endpoint is eligible again").isNotNull();
        trial.complete(Outcome.GATEWAY_FAILURE);

        assertThat(picks(pool, 4)).as("a failed trial sits out another full fail_timeout").containsOnly("b");
        clock.advance(Duration.ofSeconds(11));
        pickFirst(pool, "a").complete(Outcome.SUCCESS);

        assertThat(health(pool, "a")).isEqualTo("healthy");
        assertThat(state(pool, "a").consecutiveFailures()).isZero();
        assertThat(picks(pool, 4)).contains("a", "b");
    }

    @Test
    void maxFailsCountsFailuresBeforeDisabling() {
        UpstreamPool pool = pool(3, 1, 1);

        fail(pool, "a");
        fail(pool, "a");
        assertThat(health(pool, "a")).isEqualTo("healthy");
        fail(pool, "a");

        assertThat(health(pool, "a")).isEqualTo("failed");
        assertThat(picks(pool, 4)).containsOnly("b");
    }

    @Test
    void serverErrorsAndClientAbortsDoNotCountAsNginxDefaultIsErrorTimeout() {
        UpstreamPool pool = pool(1, 1, 1);

        complete(pool, "a", Outcome.SERVER_ERROR);
        complete(pool, "a", Outcome.CLIENT_ABORT);

        assertThat(health(pool, "a")).isEqualTo("healthy");
        complete(pool, "a", Outcome.TIMEOUT);
        assertThat(health(pool, "a")).isEqualTo("failed");
    }

    @Test
    void aSingleEndpointIsNeverConsideredUnavailable() {
        UpstreamPool pool = pool(1, 1);

        fail(pool, "a");
        fail(pool, "a");

        assertThat(picks(pool, 3)).containsOnly("a");
        assertThat(health(pool, "a")).isEqualTo("healthy");
    }

    @Test
    void aFailureLowersEffectiveWeightByWeightOverMaxFailsAndItClimbsBackOnePerRound() {
        UpstreamPool pool = pool(3, 6, 1);

        fail(pool, "a");
        assertThat(state(pool, "a").effectiveWeight()).as("6 - 6/3").isEqualTo(4);

        picks(pool, 1);
        assertThat(state(pool, "a").effectiveWeight()).isEqualTo(5);
        picks(pool, 1);
        assertThat(state(pool, "a").effectiveWeight()).isEqualTo(6);
        picks(pool, 1);
        assertThat(state(pool, "a").effectiveWeight()).as("never above the weight").isEqualTo(6);
    }

    @Test
    void effectiveWeightNeverDropsBelowZero() {
        UpstreamPool pool = pool(1, 5, 1, 1);

        fail(pool, "a");

        assertThat(state(pool, "a").effectiveWeight()).isZero();
    }

    // ---- helpers ----

    private void fail(UpstreamPool pool, String id) {
        complete(pool, id, Outcome.GATEWAY_FAILURE);
    }

    private void complete(UpstreamPool pool, String id, Outcome outcome) {
        Lease lease = pickFirst(pool, id);
        assertThat(lease).as("could pick %s", id).isNotNull();
        lease.complete(outcome);
    }

    /** Picks until the strategy hands out {@code id} (others are completed successfully), at most 20 times. */
    static Lease pickFirst(UpstreamPool pool, String id) {
        for (int i = 0; i < 20; i++) {
            Lease lease = pool.pick(PickContext.of("192.0.2.1"));
            if (lease == null) {
                return null;
            }
            if (lease.endpoint().id().equals(id)) {
                return lease;
            }
            lease.complete(Outcome.SUCCESS);
        }
        return null;
    }

    static List<String> picks(UpstreamPool pool, int n) {
        return Pools.sequence(pool, n);
    }

    static EndpointState state(UpstreamPool pool, String id) {
        return pool.state().endpoints().stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow();
    }

    static String health(UpstreamPool pool, String id) {
        return state(pool, id).health();
    }

    static Set<String> ids(List<String> picks) {
        return Set.copyOf(picks);
    }
}
