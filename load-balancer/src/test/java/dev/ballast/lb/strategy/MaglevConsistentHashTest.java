package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.EndpointSpec;
import dev.ballast.lb.HashKeySource;
import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("consistent hash (Maglev) moves few keys and balances well")
class MaglevConsistentHashTest {

    private static final int KEYS = 100_000;
    private static final StrategyConfig BY_HEADER = StrategyConfig.consistentHash(HashKeySource.header("x-user"), 0);

    @Test
    void removingOneOfTenEndpointsMovesAtMostFifteenPercentOfKeys() {
        List<EndpointSpec> ten = Pools.equal(10);
        UpstreamPool pool = Pools.pool(BY_HEADER, ten);
        String[] before = placements(pool);

        pool.update(ten.subList(1, 10));
        String[] after = placements(pool);

        int moved = 0;
        int ownedByRemoved = 0;
        for (int k = 0; k < KEYS; k++) {
            if (!before[k].equals(after[k])) {
                moved++;
            }
            if (before[k].equals("a")) {
                ownedByRemoved++;
            }
        }
        assertThat(moved / (double) KEYS).isLessThanOrEqualTo(0.15);
        assertThat(moved).as("every key of the removed endpoint had to move").isGreaterThanOrEqualTo(ownedByRemoved);
    }

    @Test
    void withFiftyEndpointsTheBusiestGetsAtMostTenPercentAboveAverage() {
        UpstreamPool pool = Pools.pool(BY_HEADER, Pools.equal(50));

        Map<String, Integer> counts = new HashMap<>();
        for (String id : placements(pool)) {
            counts.merge(id, 1, Integer::sum);
        }

        double average = KEYS / 50.0;
        assertThat(counts).hasSize(50);
        assertThat(Collections.max(counts.values()) / average).isLessThanOrEqualTo(1.10);
    }

    @Test
    void placementDoesNotDependOnTheOrderEndpointsAreListedIn() {
        List<EndpointSpec> specs = new ArrayList<>(Pools.equal(12));
        UpstreamPool listed = Pools.pool(BY_HEADER, specs);
        Collections.reverse(specs);
        UpstreamPool reversed = Pools.pool(BY_HEADER, specs);

        assertThat(placements(reversed)).isEqualTo(placements(listed));
    }

    @Test
    void anUnhealthyEndpointsKeysMoveAndComeBackWithoutDisturbingOthers() {
        UpstreamPool pool = Pools.pool(BY_HEADER, Pools.equal(10));
        String[] before = placements(pool);

        pool.drain("c");
        String[] during = placements(pool);
        pool.undrain("c");
        String[] after = placements(pool);

        for (int k = 0; k < KEYS; k++) {
            if (!before[k].equals("c")) {
                assertThat(during[k]).isEqualTo(before[k]);
            } else {
                assertThat(during[k]).isNotEqualTo("c");
            }
        }
        assertThat(after).isEqualTo(before);
    }

    @Test
    void withoutAKeyThePickStillSucceeds() {
        UpstreamPool pool = Pools.pool(BY_HEADER, Pools.equal(3));

        Lease lease = pool.pick(new PickContext(null, null, null));

        assertThat(lease).isNotNull();
        lease.complete(Outcome.SUCCESS);
    }

    @Test
    void theHeaderKeyWinsOverTheClientIp() {
        UpstreamPool pool = Pools.pool(BY_HEADER, Pools.equal(20));

        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            Lease lease = pool.pick(PickContext.of("198.51.100." + i, "one-conversation"));
            seen.add(lease.endpoint().id());
            lease.complete(Outcome.SUCCESS);
        }

        assertThat(seen).hasSize(1);
    }

    private static String[] placements(UpstreamPool pool) {
        String[] ids = new String[KEYS];
        for (int k = 0; k < KEYS; k++) {
            Lease lease = pool.pick(PickContext.of(null, "user-" + k));
            ids[k] = lease.endpoint().id();
            lease.complete(Outcome.SUCCESS);
        }
        return ids;
    }
}
