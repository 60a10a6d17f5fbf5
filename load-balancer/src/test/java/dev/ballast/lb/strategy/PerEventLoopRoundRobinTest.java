package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.ballast.lb.EndpointSpec;
import dev.ballast.lb.FakeClock;
import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PoolConfig;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Smooth weighted round robin keeps its current weights per thread (per event loop), as nginx without a zone keeps
 * them per worker: each loop runs nginx's exact sequence over its own picks, the first from nginx's initial state
 * and the others from further along the same cycle, while health and in-flight counts stay shared.
 */
@DisplayName("round-robin and least-conn keep one smooth round-robin state per event loop")
class PerEventLoopRoundRobinTest {

    private final ExecutorService first = Executors.newSingleThreadExecutor();
    private final ExecutorService second = Executors.newSingleThreadExecutor();
    private final ExecutorService third = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopLoops() {
        first.shutdownNow();
        second.shutdownNow();
        third.shutdownNow();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("roundRobinFamily")
    void eachEventLoopSeesNginxsSequenceOverItsOwnPicks(StrategyConfig strategy) throws Exception {
        UpstreamPool pool = Pools.pool(strategy, Pools.weighted(5, 1, 1));
        List<String> cycle = List.of("a", "a", "b", "a", "c", "a", "a");

        List<String> onFirst = new ArrayList<>();
        List<String> onSecond = new ArrayList<>();
        for (int round = 0; round < 3; round++) { // interleaved: the loops take turns, seven picks each
            onFirst.addAll(on(first, () -> Pools.sequence(pool, 7)));
            onSecond.addAll(on(second, () -> Pools.sequence(pool, 7)));
        }

        assertThat(onFirst).as("the first loop starts where nginx starts")
                .isEqualTo(repeat(cycle, 3));
        int start = rotationOf(cycle, onSecond.subList(0, 7));
        assertThat(start).as("the second loop runs the same cycle from another point: %s", onSecond)
                .isPositive();
        assertThat(onSecond).isEqualTo(repeat(rotate(cycle, start), 3));
    }

    static Stream<Arguments> poolSizes() {
        // 3 000 endpoints: more than the placement budget reaches, so the spread is over the part it does reach
        return Stream.of(StrategyConfig.roundRobin(), StrategyConfig.leastConn())
                .flatMap(strategy -> Stream.of(Arguments.of(strategy, 10), Arguments.of(strategy, 3_000)));
    }

    @ParameterizedTest(name = "{0}, {1} endpoints")
    @MethodSource("poolSizes")
    void eventLoopsStartAtDistinctPointsOfTheCycle(StrategyConfig strategy, int endpoints) throws Exception {
        UpstreamPool pool = Pools.pool(strategy, Pools.equal(endpoints));

        String firstPick = on(first, () -> Pools.sequence(pool, 1)).get(0);
        String secondPick = on(second, () -> Pools.sequence(pool, 1)).get(0);
        String thirdPick = on(third, () -> Pools.sequence(pool, 1)).get(0);

        assertThat(firstPick).as("the first loop starts where nginx starts").isEqualTo("a");
        assertThat(List.of(firstPick, secondPick, thirdPick)).as("not in lock-step").doesNotHaveDuplicates();
    }

    static Stream<Arguments> weightedAcrossThreads() {
        // Least-conn gives weight-proportional shares only while requests do not overlap (every round is then an
        // all-idle tie); overlapping requests rightly steer it by in-flight counts, so its threads take turns.
        return Stream.of(
                Arguments.of(StrategyConfig.roundRobin(), new int[] {5, 1, 1}, false),
                Arguments.of(StrategyConfig.roundRobin(), new int[] {1, 10, 100, 1000}, false),
                Arguments.of(StrategyConfig.leastConn(), new int[] {5, 1, 1}, true),
                Arguments.of(StrategyConfig.leastConn(), new int[] {3, 7, 1, 9}, true));
    }

    @ParameterizedTest(name = "{0} with weights {1}, taking turns: {2}")
    @MethodSource("weightedAcrossThreads")
    void weightsHoldWithinOnePercentInAggregateAcrossFourThreads(StrategyConfig strategy, int[] weights,
            boolean takeTurns) throws Exception {
        UpstreamPool pool = Pools.pool(strategy, Pools.weighted(weights));
        int threads = 4;
        int picksEach = 25_000;
        ReentrantLock turn = new ReentrantLock();
        ExecutorService loops = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<int[]>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                results.add(loops.submit(() -> {
                    start.await();
                    int[] mine = new int[weights.length];
                    for (int i = 0; i < picksEach; i++) {
                        if (takeTurns) {
                            turn.lock();
                        }
                        try {
                            mine[Pools.indexOf(Pools.sequence(pool, 1).get(0), weights.length)]++;
                        } finally {
                            if (takeTurns) {
                                turn.unlock();
                            }
                        }
                    }
                    return mine;
                }));
            }
            start.countDown();
            int[] counts = new int[weights.length];
            for (Future<int[]> result : results) {
                int[] perThread = result.get(1, TimeUnit.MINUTES);
                for (int i = 0; i < weights.length; i++) {
                    counts[i] += perThread[i];
                }
            }

            double total = IntStream.of(weights).sum();
            for (int i = 0; i < weights.length; i++) {
                assertThat(counts[i] / (double) (threads * picksEach)).as("share of %s", Pools.name(i))
                        .isCloseTo(weights[i] / total, within(0.01));
            }
        } finally {
            loops.shutdownNow();
        }
    }

    @Test
    void everyEventLoopFollowsAnUpdateAndSurvivorsKeepTheirLiveState() throws Exception {
        UpstreamPool pool = Pools.pool(StrategyConfig.roundRobin(), Pools.weighted(1, 1, 1));
        on(first, () -> Pools.sequence(pool, 2));
        on(second, () -> Pools.sequence(pool, 2));
        Lease heldOnB = on(first, () -> Pools.leaseOn(pool, "b"));

        // b survives re-weighted to 5, c leaves, d joins: {5,1,1} over b, a, d
        pool.update(List.of(spec("b", 2, 5), spec("a", 1, 1), spec("d", 4, 1)));
        List<String> cycle = List.of("b", "b", "a", "b", "d", "b", "b");
        List<String> onFirst = on(first, () -> Pools.sequence(pool, 14));
        List<String> onSecond = on(second, () -> Pools.sequence(pool, 14));

        assertThat(onFirst).as("the first loop restarts nginx's cycle over the new snapshot")
                .isEqualTo(repeat(cycle, 2));
        assertThat(onSecond).doesNotContain("c")
                .isEqualTo(repeat(rotate(cycle, rotationOf(cycle, onSecond.subList(0, 7))), 2));
        assertThat(pool.endpoint("b").inFlight()).as("b's open request survived the update").isEqualTo(1);
        heldOnB.complete(Outcome.SUCCESS);
        assertThat(pool.endpoint("b").inFlight()).isZero();
    }

    @Test
    void leastConnOnOneEventLoopSeesRequestsTheOtherLoopHoldsOpen() throws Exception {
        UpstreamPool pool = Pools.pool(StrategyConfig.leastConn(), Pools.equal(3));
        List<Lease> held = on(first, () -> List.of(Pools.leaseOn(pool, "a"), Pools.leaseOn(pool, "b")));

        pool.update(Pools.equal(4)); // a and b survive with their open requests; d joins idle
        List<String> onSecond = on(second, () -> Pools.sequence(pool, 10));

        assertThat(onSecond).as("in-flight counts are shared by every loop").doesNotContain("a", "b");
        held.forEach(lease -> lease.complete(Outcome.SUCCESS));
        assertThat(pool.state().endpoints()).allSatisfy(e -> assertThat(e.inFlight()).isZero());
    }

    @Test
    void aPenaltySeenOnOneEventLoopLowersTheWeightEveryLoopUsesAndEachLoopsRoundsRaiseIt() throws Exception {
        UpstreamPool pool = Pools.pool(PoolConfig.builder().strategy(StrategyConfig.roundRobin())
                .passive(3, Duration.ofSeconds(10)).build(), new FakeClock(),
                Pools.weighted(6, 1));
        on(first, () -> Pools.leaseOn(pool, "a")).complete(Outcome.GATEWAY_FAILURE);
        assertThat(pool.endpoint("a").effectiveWeight()).as("6 - 6/3").isEqualTo(4);

        on(second, () -> Pools.sequence(pool, 1));
        assertThat(pool.endpoint("a").effectiveWeight()).isEqualTo(5);
        on(first, () -> Pools.sequence(pool, 1));
        assertThat(pool.endpoint("a").effectiveWeight()).isEqualTo(6);
    }

    static Stream<StrategyConfig> roundRobinFamily() {
        return Stream.of(StrategyConfig.roundRobin(), StrategyConfig.leastConn());
    }

    // ---- helpers ----

    private static <T> T on(ExecutorService loop, Callable<T> work) throws Exception {
        return loop.submit(work).get(1, TimeUnit.MINUTES);
    }

    private static EndpointSpec spec(String id, int lastOctet, int weight) {
        return new EndpointSpec(id, "10.0.0." + lastOctet, 80, weight, null, Map.of());
    }

    private static List<String> repeat(List<String> cycle, int times) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            all.addAll(cycle);
        }
        return all;
    }

    private static List<String> rotate(List<String> cycle, int start) {
        List<String> rotated = new ArrayList<>(cycle);
        Collections.rotate(rotated, -start);
        return rotated;
    }

    /** Where in {@code cycle} the window starts, or -1 when it is no rotation of the cycle. */
    private static int rotationOf(List<String> cycle, List<String> window) {
        for (int start = 0; start < cycle.size(); start++) {
            if (rotate(cycle, start).equals(window)) {
                return start;
            }
        }
        return -1;
    }
}
