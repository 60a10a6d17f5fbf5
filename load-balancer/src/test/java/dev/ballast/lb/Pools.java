package dev.ballast.lb;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders shared by the pool and strategy tests. */
public final class Pools {

    private Pools() {
    }

    /** Endpoints named a, b, c… on 10.0.0.1.., port 80, with the given weights. */
    public static List<EndpointSpec> weighted(int... weights) {
        List<EndpointSpec> specs = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            specs.add(new EndpointSpec(name(i), "10.0.0." + (i + 1), 80, weights[i], null, Map.of()));
        }
        return specs;
    }

    public static List<EndpointSpec> equal(int count) {
        int[] weights = new int[count];
        java.util.Arrays.fill(weights, 1);
        return weighted(weights);
    }

    public static String name(int i) {
        return i < 26 ? String.valueOf((char) ('a' + i)) : "e" + i;
    }

    public static UpstreamPool pool(PoolConfig config, TimeSource clock, List<EndpointSpec> specs) {
        UpstreamPool pool = UpstreamPool.create("test", config, clock, RandomSource.seeded(42));
        pool.update(specs);
        return pool;
    }

    public static UpstreamPool pool(StrategyConfig strategy, List<EndpointSpec> specs) {
        return pool(PoolConfig.builder().strategy(strategy).build(), new FakeClock(), specs);
    }

    /** Picks and completes immediately with success n times; returns the ids in order. */
    public static List<String> sequence(UpstreamPool pool, int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Lease lease = pool.pick(PickContext.of("192.0.2.1"));
            ids.add(lease.endpoint().id());
            lease.complete(Outcome.SUCCESS);
        }
        return ids;
    }

    /** Picks n times with varying client keys, completing at once; counts per id. */
    public static Map<String, Integer> counts(UpstreamPool pool, int n) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            // A distinct /24 per pick, so nginx ip_hash (which keys on three octets) sees distinct clients.
            String client = (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + ".1";
            Lease lease = pool.pick(new PickContext(client, "key-" + i, java.util.Set.of()));
            counts.merge(lease.endpoint().id(), 1, Integer::sum);
            lease.complete(Outcome.SUCCESS);
        }
        return counts;
    }

    /** Picks (completing the others at once) until a pick lands on {@code id}; that lease stays open. */
    public static Lease leaseOn(UpstreamPool pool, String id) {
        for (int i = 0; i < 100; i++) {
            Lease lease = pool.pick(PickContext.of("192.0.2.1"));
            if (lease.endpoint().id().equals(id)) {
                return lease;
            }
            lease.complete(Outcome.SUCCESS);
        }
        throw new AssertionError("no pick landed on " + id);
    }

    /** Position of an endpoint named by {@link #name} among the first {@code endpoints}. */
    public static int indexOf(String id, int endpoints) {
        for (int i = 0; i < endpoints; i++) {
            if (name(i).equals(id)) {
                return i;
            }
        }
        throw new AssertionError("unknown endpoint " + id);
    }

    /** Every kind with its test settings (consistent hash: header key x-k, bounded load 1.25). */
    public static StrategyConfig strategy(StrategyConfig.Kind kind) {
        return switch (kind) {
            case ROUND_ROBIN -> StrategyConfig.roundRobin();
            case LEAST_CONN -> StrategyConfig.leastConn();
            case IP_HASH_NGINX -> StrategyConfig.ipHashNginx();
            case CONSISTENT_HASH -> StrategyConfig.consistentHash(HashKeySource.header("x-k"), 1.25);
            case LEAST_REQUEST -> StrategyConfig.leastRequest();
            case RANDOM -> StrategyConfig.random();
        };
    }
}
