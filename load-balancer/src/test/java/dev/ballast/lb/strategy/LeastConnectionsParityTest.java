package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Least-conn's single-pass scan against a literal model of nginx's ngx_http_upstream_get_least_conn_peer (pass
 * one: least conns/weight by cross-multiplying, remembering the first best and whether there are many; pass two:
 * smooth round over the tied from the first best on), with requests held open at random so the least loaded
 * group starts anywhere in the list.
 */
@DisplayName("least-conn picks exactly what nginx's two-pass least_conn picks")
class LeastConnectionsParityTest {

    @ParameterizedTest(name = "{0} endpoints, seed {1}")
    @CsvSource({"2, 1", "3, 2", "7, 3", "20, 4", "100, 5"})
    void everyPickMatchesTheNginxModel(int endpoints, long seed) {
        Random random = new Random(seed);
        int[] weights = random.ints(endpoints, 1, 6).toArray();
        UpstreamPool pool = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(weights));
        NginxLeastConn nginx = new NginxLeastConn(weights);
        List<Lease> open = new ArrayList<>();

        for (int step = 0; step < 5_000; step++) {
            int expected = nginx.pick();
            Lease lease = pool.pick(PickContext.of("192.0.2.1"));

            assertThat(lease.endpoint().id()).as("pick %d", step).isEqualTo(Pools.name(expected));
            nginx.conns[expected]++;
            open.add(lease);
            // Keep a few dozen requests open, completing a random one now and then.
            while (open.size() > random.nextInt(3 * endpoints + 1)) {
                Lease done = open.remove(random.nextInt(open.size()));
                done.complete(Outcome.SUCCESS);
                nginx.conns[Pools.indexOf(done.endpoint().id(), endpoints)]--;
            }
        }
    }

    /**
     * Stretches where every request ends before the next pick, long enough for the thread to record and replay
     * whole periods of all-peers rounds (every peer idle: the tied group is the whole pool), alternate with
     * stretches that hold requests open, so the replay is left at arbitrary positions and the current weights must
     * be rebuilt exactly there.
     */
    @ParameterizedTest(name = "{0} endpoints, seed {1}")
    @CsvSource({"2, 11", "3, 12", "20, 13", "100, 14"})
    void idleStretchesLongEnoughToReplayStillMatchTheNginxModel(int endpoints, long seed) {
        Random random = new Random(seed);
        int[] weights = random.ints(endpoints, 1, 6).toArray();
        int period = java.util.Arrays.stream(weights).sum();
        UpstreamPool pool = Pools.pool(StrategyConfig.leastConn(), Pools.weighted(weights));
        NginxLeastConn nginx = new NginxLeastConn(weights);
        List<Lease> open = new ArrayList<>();
        int step = 0;
        for (int stretch = 0; stretch < 12; stretch++) {
            for (int i = 2 * period + random.nextInt(period + 1); i > 0; i--, step++) {
                int expected = nginx.pick();
                Lease lease = pool.pick(PickContext.of("192.0.2.1"));
                assertThat(lease.endpoint().id()).as("idle pick %d", step).isEqualTo(Pools.name(expected));
                lease.complete(Outcome.SUCCESS);
            }
            for (int i = 1 + random.nextInt(2 * endpoints); i > 0; i--, step++) {
                int expected = nginx.pick();
                Lease lease = pool.pick(PickContext.of("192.0.2.1"));
                assertThat(lease.endpoint().id()).as("busy pick %d", step).isEqualTo(Pools.name(expected));
                nginx.conns[expected]++;
                open.add(lease);
                if (random.nextInt(3) == 0) {
                    Lease done = open.remove(random.nextInt(open.size()));
                    done.complete(Outcome.SUCCESS);
                    nginx.conns[Pools.indexOf(done.endpoint().id(), endpoints)]--;
                }
            }
            for (Lease lease : open) {
                lease.complete(Outcome.SUCCESS);
                nginx.conns[Pools.indexOf(lease.endpoint().id(), endpoints)]--;
            }
            open.clear();
        }
    }

    /** nginx's least_conn over peers that are all up at full effective weight, transcribed loop for loop. */
    private static final class NginxLeastConn {
        final int[] weight;
        final int[] conns;
        final int[] current;

        NginxLeastConn(int[] weight) {
            this.weight = weight;
            this.conns = new int[weight.length];
            this.current = new int[weight.length];
        }

        int pick() {
            int best = -1;
            boolean many = false;
            for (int i = 0; i < weight.length; i++) {
                if (best < 0 || conns[i] * weight[best] < conns[best] * weight[i]) {
                    best = i;
                    many = false;
                } else if (conns[i] * weight[best] == conns[best] * weight[i]) {
                    many = true;
                }
            }
            if (!many) {
                return best;
            }
            int chosen = best;
            int total = 0;
            for (int i = best; i < weight.length; i++) {
                if (conns[i] * weight[best] != conns[best] * weight[i]) {
                    continue;
                }
                current[i] += weight[i];
                total += weight[i];
                if (current[i] > current[chosen]) {
                    chosen = i;
                }
            }
            current[chosen] -= total;
            return chosen;
        }
    }
}
