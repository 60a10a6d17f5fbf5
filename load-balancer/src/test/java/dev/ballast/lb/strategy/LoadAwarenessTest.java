package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.HashKeySource;
import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("load-aware strategies send new work to idle endpoints and bounded load keeps its cap")
class LoadAwarenessTest {

    static Stream<StrategyConfig> loadAware() {
        return Stream.of(StrategyConfig.leastConn(), StrategyConfig.leastRequest());
    }

    @ParameterizedTest
    @MethodSource("loadAware")
    void newWorkGoesToTheIdleEndpoint(StrategyConfig strategy) {
        UpstreamPool pool = Pools.pool(strategy, Pools.equal(2));
        List<Lease> busy = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Lease lease = pool.pick(PickContext.of("192.0.2.1"));
            if (lease.endpoint().id().equals("a")) {
                busy.add(lease); // a keeps its streams open
            } else {
                lease.complete(dev.ballast.lb.Outcome.SUCCESS);
            }
        }
        int openOnA = busy.size();

        for (int i = 0; i < 50; i++) {
            Lease lease = pool.pick(PickContext.of("192.0.2.1"));
            assertThat(lease.endpoint().id()).as("pick %d with %d open on a", i, openOnA).isEqualTo("b");
            lease.complete(dev.ballast.lb.Outcome.SUCCESS);
        }
        assertThat(openOnA).isPositive();
    }

    @Test
    void leastConnComparesInFlightRelativeToWeight() {
        UpstreamPool pool = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(3, 1));
        List<Lease> open = new ArrayList<>();

        for (int i = 0; i < 40; i++) {
            open.add(pool.pick(PickContext.of("192.0.2.1")));
        }

        long onA = open.stream().filter(l -> l.endpoint().id().equals("a")).count();
        assertThat(onA).isEqualTo(30);
    }

    @Test
    void leastConnGivesAnIdleTieToTheNextIdleEndpointOfTheAllPeersRound() {
        UpstreamPool idle = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(5, 1, 1));
        UpstreamPool oneBusy = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(1, 5, 1, 1));
        Lease stream = oneBusy.pick(PickContext.of("192.0.2.1"));
        assertThat(stream.endpoint().id()).as("all idle: SWRR over all, heaviest first").isEqualTo("b");

        assertThat(String.join(" ", Pools.sequence(idle, 7))).isEqualTo("a a b a c a a");
        // b carries one open stream; a, c, d stay tied at zero: the all-peers round (b a b b c b d b) passes over b
        assertThat(String.join(" ", Pools.sequence(oneBusy, 6))).isEqualTo("a c d a c d");
        stream.complete(dev.ballast.lb.Outcome.SUCCESS);
    }

    @Test
    void leastRequestSpreadsOpenStreamsEvenly() {
        UpstreamPool pool = Pools.pool(StrategyConfig.leastRequest(), Pools.equal(10));

        for (int i = 0; i < 1000; i++) {
            pool.pick(PickContext.of("192.0.2.1"));
        }

        int max = pool.endpoints().stream().mapToInt(e -> e.inFlight()).max().orElseThrow();
        int min = pool.endpoints().stream().mapToInt(e -> e.inFlight()).min().orElseThrow();
        assertThat(max - min).as("power of two choices keeps the spread small").isLessThanOrEqualTo(6);
    }

    @ParameterizedTest(name = "factor {0}")
    @org.junit.jupiter.params.provider.ValueSource(doubles = {1.0, 1.25, 1.5, 2.0})
    void boundedLoadNeverExceedsItsCap(double factor) {
        UpstreamPool pool = Pools.pool(StrategyConfig.consistentHash(HashKeySource.header("x-prefix"), factor),
                Pools.equal(8));
        List<Lease> open = new ArrayList<>();

        // One hot key: without a bound every request would land on the same endpoint.
        for (int i = 0; i < 400; i++) {
            open.add(pool.pick(PickContext.of("192.0.2.1", "the-same-system-prompt")));
            int total = open.size();
            long cap = (long) Math.ceil(factor * total / 8);
            for (var endpoint : pool.endpoints()) {
                assertThat(endpoint.inFlight()).as("%s after %d picks", endpoint.id(), total)
                        .isLessThanOrEqualTo((int) cap);
            }
        }
    }

    /**
     * The cap counts every usable endpoint, including those a retry avoids; when all the others are avoided and the
     * one left is at the cap, the retry still gets it (pick returns nothing only when nothing is usable). Found by
     * review: this returned null.
     */
    @Test
    void boundedLoadNeverRefusesARetryWhileAnEndpointIsUsable() {
        UpstreamPool pool = Pools.pool(StrategyConfig.consistentHash(HashKeySource.header("x-prefix"), 1.25),
                Pools.equal(2));
        Lease first = only(pool, "b");
        Lease second = only(pool, "b");
        assertThat(pool.endpoint("b").inFlight()).isEqualTo(2);

        Lease retry = pool.pick(new PickContext("192.0.2.1", "k", Set.of("a")));

        assertThat(retry).as("b is usable; cap ceil(1.25 * 3 / 2) = 2 is reached").isNotNull();
        assertThat(retry.endpoint().id()).isEqualTo("b");
        List.of(first, second, retry).forEach(l -> l.complete(Outcome.SUCCESS));
    }

    /** All endpoints at the cap (as concurrent picks can leave them): the least loaded one, never null. */
    @Test
    void boundedLoadFallsBackToTheLeastLoadedEndpointWhenAllAreAtTheCap() {
        UpstreamPool pool = Pools.pool(StrategyConfig.consistentHash(HashKeySource.header("x-prefix"), 1.0),
                Pools.equal(3));
        List<Lease> open = new ArrayList<>();
        for (String id : List.of("a", "b", "c", "a", "b")) {
            open.add(only(pool, id)); // each under its cap: ceil(n / 3) rises as they open
        }
        // cap for the next pick: ceil(1.0 * 6 / 3) = 2; c has 1, so c; then all hold 2 and the cap is ceil(7/3) = 3
        for (String key : List.of("k1", "k2", "k3", "k4")) {
            Lease lease = pool.pick(new PickContext("192.0.2.1", key, Set.of("c")));
            assertThat(lease).as(key).isNotNull();
            open.add(lease);
        }
        assertThat(pool.endpoint("a").inFlight() + pool.endpoint("b").inFlight()).isEqualTo(8);
        assertThat(Math.abs(pool.endpoint("a").inFlight() - pool.endpoint("b").inFlight()))
                .as("the overflow is spread to the least loaded, not piled on one").isLessThanOrEqualTo(1);
        open.forEach(l -> l.complete(Outcome.SUCCESS));
    }

    /**
     * The fallback compares load per unit of weight, as Envoy's overload factor does: a (weight 3) with 4 in flight
     * is less loaded than b (weight 1) with 3. Both are at the cap ceil(1.0 * 8 / 3) = 3 while c is avoided.
     */
    @Test
    void boundedLoadFallsBackByLoadRelativeToWeight() {
        UpstreamPool pool = Pools.pool(StrategyConfig.consistentHash(HashKeySource.header("x-prefix"), 1.0),
                Pools.weighted(3, 1, 1));
        List<Lease> open = new ArrayList<>();
        for (String id : List.of("a", "b", "a", "b", "a", "b", "a")) {
            open.add(only(pool, id));
        }

        Lease lease = pool.pick(new PickContext("192.0.2.1", "k", Set.of("c")));

        assertThat(lease.endpoint().id()).isEqualTo("a");
        open.add(lease);
        open.forEach(l -> l.complete(Outcome.SUCCESS));
    }

    @Test
    void boundedLoadKeepsAKeyOnItsEndpointWhileThereIsRoom() {
        UpstreamPool pool = Pools.pool(StrategyConfig.consistentHash(HashKeySource.header("x-prefix"), 1.25),
                Pools.equal(8));
        String home = null;

        for (int i = 0; i < 100; i++) {
            Lease lease = pool.pick(PickContext.of("192.0.2.1", "conversation-42"));
            home = home == null ? lease.endpoint().id() : home;
            assertThat(lease.endpoint().id()).isEqualTo(home);
            lease.complete(dev.ballast.lb.Outcome.SUCCESS);
        }
    }

    /** A lease on {@code id} alone: the retry of a request that already tried every other endpoint. */
    private static Lease only(UpstreamPool pool, String id) {
        Set<String> others = new java.util.HashSet<>();
        pool.endpoints().forEach(e -> others.add(e.id()));
        others.remove(id);
        Lease lease = pool.pick(new PickContext("192.0.2.1", "setup", others));
        assertThat(lease.endpoint().id()).isEqualTo(id);
        return lease;
    }
}
