package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.HashKeySource;
import dev.ballast.lb.Lease;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.util.ArrayList;
import java.util.List;
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
    void leastConnBreaksTiesBySmoothWeightedRoundRobinAmongTheTiedOnly() {
        UpstreamPool idle = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(5, 1, 1));
        UpstreamPool oneBusy = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(1, 5, 1, 1));
        Lease stream = oneBusy.pick(PickContext.of("192.0.2.1"));
        assertThat(stream.endpoint().id()).as("all idle: SWRR over all, heaviest first").isEqualTo("b");

        assertThat(String.join(" ", Pools.sequence(idle, 7))).isEqualTo("a a b a c a a");
        // b carries one open stream; a, c, d stay tied at zero and take turns
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
}
