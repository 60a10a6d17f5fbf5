package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.FakeClock;
import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.PoolConfig;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Round robin replays a recorded period of all-peers rounds instead of recomputing it (see
 * {@code SmoothWeightedRoundRobin#roundAll}). Against a literal model of nginx's ngx_http_upstream_get_peer with
 * effective weights, pick for pick: long runs of plain picks (so the replay starts, and stops at an arbitrary
 * position) broken by failures, which lower a peer's effective weight until the rounds raise it again, and by
 * retries that avoid a peer. Both events force a checked round, so the current weights must be rebuilt exactly at
 * the replay's position, and the thread must record and replay again once the weights are back.
 */
@DisplayName("round robin replaying a recorded period still picks exactly what nginx picks")
class RoundRobinReplayTest {

    private static final int MAX_FAILS = 3;

    @ParameterizedTest(name = "{0} endpoints, weights 1..{1}, seed {2}")
    @CsvSource({"1, 4, 1", "2, 3, 2", "3, 5, 3", "7, 9, 4", "20, 9, 5", "100, 3, 6",
            // a period (sum of the weights) above MAX_REPLAYED_CYCLE: never replayed, still exact
            "120, 1000, 7"})
    void everyPickMatchesTheNginxModel(int endpoints, int maxWeight, long seed) {
        Random random = new Random(seed);
        int[] weights = random.ints(endpoints, maxWeight == 1000 ? 600 : 1, maxWeight + 1).toArray();
        int period = 0;
        for (int w : weights) {
            period += w;
        }
        boolean replayed = period <= SmoothWeightedRoundRobin.MAX_REPLAYED_CYCLE;
        FakeClock clock = new FakeClock();
        UpstreamPool pool = Pools.pool(PoolConfig.builder().strategy(StrategyConfig.roundRobin())
                .passive(MAX_FAILS, Duration.ofSeconds(10))
                .outlier(0, 0, Duration.ofSeconds(30), Duration.ofSeconds(300), 10)
                .build(), clock, Pools.weighted(weights));
        NginxRoundRobin nginx = new NginxRoundRobin(weights);
        PickContext plain = PickContext.of("192.0.2.1");

        int events = replayed ? 12 : 3;
        int step = 0;
        for (int event = 0; event < events; event++) {
            // More than two periods of plain picks: one to record, then replay up to a random position.
            int run = replayed ? 2 * period + random.nextInt(period + 1) : 500;
            for (int i = 0; i < run; i++, step++) {
                int expected = nginx.pick(-1);
                Lease lease = pool.pick(plain);
                assertThat(lease.endpoint().id()).as("pick %d", step).isEqualTo(Pools.name(expected));
                lease.complete(Outcome.SUCCESS);
            }
            if (endpoints > 1 && random.nextBoolean()) {
                // A retry that avoids one peer: nginx skips tried peers in its loop.
                int avoided = random.nextInt(endpoints);
                int expected = nginx.pick(avoided);
                Lease lease = pool.pick(plain.avoiding(Set.of(Pools.name(avoided))));
                assertThat(lease.endpoint().id()).as("retry at pick %d", step).isEqualTo(Pools.name(expected));
                lease.complete(Outcome.SUCCESS);
            } else {
                // A failure on the peer the next pick takes (one nginx counts but does not yet disable).
                int expected = nginx.pick(-1);
                Lease lease = pool.pick(plain);
                assertThat(lease.endpoint().id()).as("failed pick %d", step).isEqualTo(Pools.name(expected));
                boolean fresh = lease.endpoint().state().consecutiveFailures() == 0;
                lease.complete(fresh ? Outcome.GATEWAY_FAILURE : Outcome.SUCCESS);
                if (fresh) {
                    nginx.fail(expected);
                }
                clock.advanceSeconds(11); // past fail_timeout, so failures never add up to MAX_FAILS
            }
            step++;
        }
    }

    /** nginx's smooth weighted round robin with effective weights, transcribed loop for loop. */
    private static final class NginxRoundRobin {
        final int[] weight;
        final int[] effective;
        final long[] current;

        NginxRoundRobin(int[] weight) {
            this.weight = weight;
            this.effective = weight.clone();
            this.current = new long[weight.length];
        }

        /** One ngx_http_upstream_get_peer round, skipping {@code tried} (or none when -1). */
        int pick(int tried) {
            int best = -1;
            long total = 0;
            for (int i = 0; i < weight.length; i++) {
                if (i == tried) {
                    continue;
                }
                current[i] += effective[i];
                total += effective[i];
                if (effective[i] < weight[i]) {
                    effective[i]++;
                }
                if (best == -1 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            return best;
        }

        /** ngx_http_upstream_free_round_robin_peer with NGX_PEER_FAILED. */
        void fail(int i) {
            effective[i] -= weight[i] / MAX_FAILS;
            if (effective[i] < 0) {
                effective[i] = 0;
            }
        }
    }
}
