package dev.ballast.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@DisplayName("an upstream pool swaps snapshots, keeps live state and never leaks a lease")
class UpstreamPoolTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void anEmptyPoolHasNothingToPick() {
        UpstreamPool pool = UpstreamPool.create("empty", PoolConfig.defaults(), clock);

        assertThat(pool.pick(PickContext.of("192.0.2.1"))).isNull();
        assertThat(pool.state()).isEqualTo(new PoolState("empty", "round-robin", false, 0, 0, List.of()));
    }

    @Test
    void survivorsOfAnUpdateKeepInFlightCountsDrainingAndFailures() {
        UpstreamPool pool = Pools.pool(PoolConfig.defaults(), clock, Pools.equal(3));
        Lease open = Pools.leaseOn(pool, "a");
        pool.drain("b");
        Pools.leaseOn(pool, "c").complete(Outcome.SERVER_ERROR);

        pool.update(List.of(Pools.equal(3).get(0).withWeight(7), Pools.equal(3).get(1), Pools.equal(3).get(2),
                EndpointSpec.of("10.0.0.99", 80, 1)));

        assertThat(pool.endpoints()).extracting(Endpoint::id).containsExactly("a", "b", "c", "10.0.0.99:80");
        assertThat(endpoint(pool, "a").inFlight()).isEqualTo(1);
        assertThat(endpoint(pool, "a").spec().weight()).isEqualTo(7);
        assertThat(endpoint(pool, "b").isDraining()).isTrue();
        assertThat(pool.state().endpoints().get(2).consecutiveFailures()).isEqualTo(1);
        open.complete(Outcome.SUCCESS);
        assertThat(endpoint(pool, "a").inFlight()).isZero();
    }

    @Test
    void eachEndpointReportsTheSameStateAsThePoolWithoutAPoolScan() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().passive(1, Duration.ofSeconds(10))
                .outlier(1, 0, Duration.ofSeconds(30), Duration.ofSeconds(300), 25).build(), clock, Pools.equal(4));
        Lease open = Pools.leaseOn(pool, "a");
        Pools.leaseOn(pool, "b").complete(Outcome.SERVER_ERROR);
        Pools.leaseOn(pool, "c").complete(Outcome.GATEWAY_FAILURE); // 25 % allows one ejection: c is only nginx-failed
        pool.drain("d");
        pool.recordProbe("d", false);
        pool.recordProbe("d", false);
        pool.recordProbe("d", false);

        PoolState state = pool.state();

        assertThat(state.endpoints()).extracting(EndpointState::health)
                .containsExactly("healthy", "ejected", "failed", "unhealthy");
        for (EndpointState expected : state.endpoints()) {
            assertThat(pool.endpoint(expected.id()).state()).isEqualTo(expected);
        }
        assertThat(pool.endpoint("no-such-endpoint")).isNull();
        open.complete(Outcome.SUCCESS);
    }

    @Test
    void aLeaseOnARemovedEndpointStillCompletesCleanly() {
        UpstreamPool pool = Pools.pool(PoolConfig.defaults(), clock, Pools.equal(2));
        Lease open = Pools.leaseOn(pool, "a");
        Endpoint removed = open.endpoint();

        pool.update(Pools.equal(2).subList(1, 2));
        open.complete(Outcome.GATEWAY_FAILURE);

        assertThat(removed.inFlight()).isZero();
        assertThat(pool.endpoints()).extracting(Endpoint::id).containsExactly("b");
    }

    @Test
    void completingALeaseTwiceCountsOnce() {
        UpstreamPool pool = Pools.pool(PoolConfig.defaults(), clock, Pools.equal(1));
        Lease lease = pool.pick(PickContext.of("192.0.2.1"));

        lease.complete(Outcome.SUCCESS);
        lease.complete(Outcome.CLIENT_ABORT);
        lease.complete(null);

        assertThat(lease.isCompleted()).isTrue();
        assertThat(lease.endpoint().inFlight()).isZero();
    }

    @ParameterizedTest
    @EnumSource(StrategyConfig.Kind.class)
    void theAvoidSetIsHonouredAndAvoidingEverythingGivesNull(StrategyConfig.Kind kind) {
        UpstreamPool pool = Pools.pool(Pools.strategy(kind), Pools.equal(3));

        for (int i = 0; i < 30; i++) {
            Lease lease = pool.pick(new PickContext("192.0.2." + i, "k" + i, Set.of("a", "c")));
            assertThat(lease.endpoint().id()).isEqualTo("b");
            lease.complete(Outcome.SUCCESS);
        }
        assertThat(pool.pick(new PickContext("192.0.2.1", "k", Set.of("a", "b", "c")))).isNull();
    }

    @ParameterizedTest
    @EnumSource(StrategyConfig.Kind.class)
    void aDrainingEndpointGetsNoNewWorkButItsRequestsFinish(StrategyConfig.Kind kind) {
        UpstreamPool pool = Pools.pool(Pools.strategy(kind), Pools.equal(3));
        List<Lease> open = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            open.add(pool.pick(PickContext.of("192.0.2." + i, "k" + i)));
        }
        int onB = endpoint(pool, "b").inFlight();

        assertThat(pool.drain("b")).isTrue();
        for (int i = 0; i < 30; i++) {
            Lease lease = pool.pick(PickContext.of("192.0.2." + i, "k" + i));
            assertThat(lease.endpoint().id()).isNotEqualTo("b");
            lease.complete(Outcome.SUCCESS);
        }

        assertThat(endpoint(pool, "b").inFlight()).isEqualTo(onB);
        open.forEach(l -> l.complete(Outcome.SUCCESS));
        assertThat(endpoint(pool, "b").inFlight()).isZero();
        assertThat(pool.state().endpoints().get(1).draining()).isTrue();
        assertThat(pool.undrain("b")).isTrue();
        assertThat(pool.state().endpoints().get(1).draining()).isFalse();
    }

    @Test
    void drainingEveryEndpointLeavesNothingToPick() {
        UpstreamPool pool = Pools.pool(PoolConfig.defaults(), clock, Pools.equal(2));

        pool.drain("a");
        pool.drain("b");

        assertThat(pool.pick(PickContext.of("192.0.2.1"))).isNull();
        assertThat(pool.state().panic()).as("draining is intent, not failure").isFalse();
    }

    @Test
    void unknownIdsAreReportedNotInvented() {
        UpstreamPool pool = Pools.pool(PoolConfig.defaults(), clock, Pools.equal(2));

        assertThat(pool.drain("nope")).isFalse();
        assertThat(pool.undrain("nope")).isFalse();
        pool.recordProbe("nope", false);

        assertThat(pool.endpoints()).hasSize(2);
    }

    @Test
    void duplicateIdsInAnUpdateAreRejectedAndTheOldSnapshotStays() {
        UpstreamPool pool = Pools.pool(PoolConfig.defaults(), clock, Pools.equal(2));

        assertThatThrownBy(() -> pool.update(List.of(EndpointSpec.of("h", 1, 1), EndpointSpec.of("h", 1, 2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("h:1 appears twice");
        assertThat(pool.endpoints()).extracting(Endpoint::id).containsExactly("a", "b");

        // found by review: a survivor listed before the duplicate had already taken its new weight
        assertThatThrownBy(() -> pool.update(List.of(reweighted(Pools.equal(2).get(0), 5),
                EndpointSpec.of("h", 1, 1), EndpointSpec.of("h", 1, 2)))).isInstanceOf(IllegalArgumentException.class);
        assertThat(pool.endpoint("a").weight()).as("a rejected update changes nothing").isEqualTo(1);
    }

    /**
     * A discovery list that drops an endpoint and adds it back (a flapping Endpoints object) must not bring it back
     * as a fresh endpoint with 0 in flight while its leases are still open, nor forget its ejection. Found by review.
     */
    @Test
    void anEndpointDroppedAndAddedBackKeepsItsLiveState() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().strategy(StrategyConfig.leastConn()).build(), clock,
                Pools.equal(2));
        Lease open = Pools.leaseOn(pool, "a");
        Endpoint before = pool.endpoint("a");

        pool.update(Pools.equal(2).subList(1, 2));
        pool.update(Pools.equal(2));

        assertThat(pool.endpoint("a")).isSameAs(before);
        assertThat(pool.endpoint("a").inFlight()).isEqualTo(1);
        open.complete(Outcome.SUCCESS);
        assertThat(pool.endpoint("a").inFlight()).isZero();

        // with nothing running any more, a dropped endpoint is forgotten: adding it back makes a new one
        pool.update(Pools.equal(2).subList(1, 2));
        pool.update(Pools.equal(2));
        assertThat(pool.endpoint("a")).isNotSameAs(before);
    }

    @Test
    void anEjectedEndpointDroppedAndAddedBackIsStillEjected() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().outlier(5, 5, Duration.ofSeconds(30),
                Duration.ofSeconds(300), 100).build(), clock, Pools.equal(3));
        for (int i = 0; i < 5; i++) {
            Pools.leaseOn(pool, "a").complete(Outcome.SERVER_ERROR);
        }
        assertThat(pool.endpoint("a").state().health()).isEqualTo("ejected");

        pool.update(Pools.equal(3).subList(1, 3));
        pool.update(Pools.equal(3));

        assertThat(pool.endpoint("a").state().health()).isEqualTo("ejected");
    }

    @Test
    void stateReportsEveryEndpoint() {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().strategy(StrategyConfig.leastConn()).build(), clock,
                List.of(new EndpointSpec("gpu-1", "10.1.0.1", 8000, 3, "zone-a", Map.of("model", "llama"))));
        Lease open = pool.pick(PickContext.of("192.0.2.1"));

        PoolState state = pool.state();

        assertThat(state.strategy()).isEqualTo("least-conn");
        assertThat(state.usable()).isEqualTo(1);
        assertThat(state.endpoints()).containsExactly(new EndpointState("gpu-1", "10.1.0.1", 8000, "zone-a", 3, 3, 1,
                0, "healthy", true, false, null, 0));
        open.complete(Outcome.SUCCESS);
    }

    @Test
    void timeBasedRecoveryIsSeenWithoutAnyOtherEvent() {
        PoolConfig config = PoolConfig.builder().passive(1, Duration.ofSeconds(10)).panicThreshold(0).build();
        UpstreamPool pool = Pools.pool(config, clock, Pools.equal(2));
        Pools.leaseOn(pool, "a").complete(Outcome.GATEWAY_FAILURE);
        Pools.leaseOn(pool, "b").complete(Outcome.GATEWAY_FAILURE);
        assertThat(pool.pick(PickContext.of("192.0.2.1"))).isNull();

        clock.advance(Duration.ofSeconds(11));

        assertThat(pool.pick(PickContext.of("192.0.2.1"))).isNotNull();
    }

    private static Endpoint endpoint(UpstreamPool pool, String id) {
        return pool.endpoints().stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow();
    }

    private static EndpointSpec reweighted(EndpointSpec spec, int weight) {
        return new EndpointSpec(spec.id(), spec.host(), spec.port(), weight, spec.zone(), spec.labels());
    }
}
