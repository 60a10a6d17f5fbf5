package dev.ballast.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@DisplayName("many threads picking, completing and updating leave every in-flight count at zero")
class ConcurrencyTest {

    private static final int THREADS = 4;
    private static final int ROUNDS = 10_000;
    private static final Outcome[] OUTCOMES = Outcome.values();

    @ParameterizedTest
    @EnumSource(StrategyConfig.Kind.class)
    void noLeaseLeaks(StrategyConfig.Kind kind) throws Exception {
        UpstreamPool pool = UpstreamPool.create("race", PoolConfig.builder()
                .strategy(Pools.strategy(kind)).build(), TimeSource.system());
        List<EndpointSpec> all = Pools.equal(12);
        pool.update(all);
        List<Endpoint> everSeen = java.util.Collections.synchronizedList(new ArrayList<>(pool.endpoints()));
        ExecutorService executor = Executors.newFixedThreadPool(THREADS + 1);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> workers = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                workers.add(executor.submit(() -> work(pool, start)));
            }
            Future<?> churn = executor.submit(() -> {
                start.await();
                ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 200; i++) {
                    // scale down and up, re-weight, drain and probe, while requests run
                    pool.update(reweighted(all.subList(0, 6 + random.nextInt(7)), random));
                    everSeen.addAll(pool.endpoints());
                    pool.drain(Pools.name(random.nextInt(12)));
                    pool.undrain(Pools.name(random.nextInt(12)));
                    pool.recordProbe(Pools.name(random.nextInt(12)), random.nextBoolean());
                    pool.state();
                }
                pool.update(all);
                everSeen.addAll(pool.endpoints());
                return null;
            });
            start.countDown();
            int picked = 0;
            for (Future<Integer> worker : workers) {
                picked += worker.get(2, TimeUnit.MINUTES);
            }
            churn.get(2, TimeUnit.MINUTES);

            assertThat(picked).isPositive();
            assertThat(everSeen).allSatisfy(e -> assertThat(e.inFlight()).as(e.id()).isZero());
            assertThat(pool.state().endpoints()).allSatisfy(e -> assertThat(e.inFlight()).isZero());
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * A healthy, unchanging pool with mixed weights and every request a success: every pick of every thread must get
     * an endpoint (a pick returns nothing only when no endpoint is usable), whatever the other threads hold open, and
     * every count is back at zero after. Few requests are held, so least-conn meets idle and busy offers alike.
     */
    @ParameterizedTest
    @EnumSource(StrategyConfig.Kind.class)
    void aHealthyPoolAlwaysGivesAnEndpoint(StrategyConfig.Kind kind) throws Exception {
        UpstreamPool pool = UpstreamPool.create("healthy", PoolConfig.builder()
                .strategy(Pools.strategy(kind)).build(), TimeSource.system());
        pool.update(Pools.weighted(1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2));
        ExecutorService executor = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> workers = new ArrayList<>();
        try {
            for (int t = 0; t < THREADS; t++) {
                workers.add(executor.submit(() -> {
                    start.await();
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    List<Lease> open = new ArrayList<>();
                    int missed = 0;
                    for (int i = 0; i < ROUNDS; i++) {
                        Lease lease = pool.pick(PickContext.of("10.0." + random.nextInt(4) + ".1",
                                "k" + random.nextInt(100)));
                        if (lease == null) {
                            missed++;
                            continue;
                        }
                        open.add(lease);
                        while (open.size() > random.nextInt(1, 5)) {
                            open.remove(random.nextInt(open.size())).complete(Outcome.SUCCESS);
                        }
                    }
                    open.forEach(l -> l.complete(Outcome.SUCCESS));
                    return missed;
                }));
            }
            start.countDown();
            for (Future<Integer> worker : workers) {
                assertThat(worker.get(2, TimeUnit.MINUTES)).as("picks that got no endpoint").isZero();
            }
            assertThat(pool.state().endpoints()).allSatisfy(e -> assertThat(e.inFlight()).isZero());
        } finally {
            executor.shutdownNow();
        }
    }

    private static int work(UpstreamPool pool, CountDownLatch start) throws InterruptedException {
        start.await();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        List<Lease> open = new ArrayList<>();
        int picked = 0;
        for (int i = 0; i < ROUNDS; i++) {
            Lease lease = pool.pick(PickContext.of("10.0." + random.nextInt(4) + ".1", "k" + random.nextInt(100)));
            if (lease != null) {
                picked++;
                open.add(lease);
            }
            // keep a few long-lived "streams" open, close others out of order, sometimes twice from two paths
            while (open.size() > random.nextInt(1, 16)) {
                Lease done = open.remove(random.nextInt(open.size()));
                done.complete(OUTCOMES[random.nextInt(OUTCOMES.length)]);
                if (random.nextInt(4) == 0) {
                    done.complete(Outcome.CLIENT_ABORT);
                }
            }
        }
        open.forEach(l -> l.complete(Outcome.SUCCESS));
        return picked;
    }

    /** The same endpoints (ids survive, so do their counts) with random weights 1..5, half of the time. */
    private static List<EndpointSpec> reweighted(List<EndpointSpec> specs, ThreadLocalRandom random) {
        if (random.nextBoolean()) {
            return specs;
        }
        List<EndpointSpec> out = new ArrayList<>(specs.size());
        for (EndpointSpec spec : specs) {
            out.add(new EndpointSpec(spec.id(), spec.host(), spec.port(), 1 + random.nextInt(5), spec.zone(),
                    spec.labels()));
        }
        return out;
    }
}
