package dev.ballast.gateway.discovery;

import dev.ballast.gateway.discovery.SliceEndpoints.Discovered;
import dev.ballast.gateway.discovery.SliceEndpoints.State;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.EndpointSpec;
import dev.ballast.lb.PoolConfig;
import dev.ballast.lb.TimeSource;
import dev.ballast.lb.UpstreamPool;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PoolFeedTest {

    private final UpstreamPool pool = UpstreamPool.create("pods", PoolConfig.builder().build(), TimeSource.system());
    private final PoolFeed feed = new PoolFeed();

    @Test
    @DisplayName("ready endpoints join; not-ready and terminating ones the pool never had are not added")
    void onlyReadyJoin() {
        feed.apply(pool, discovered("10.0.0.1", State.READY, "10.0.0.2", State.NOT_READY, "10.0.0.3",
                State.TERMINATING));

        assertThat(pool.endpoints()).extracting(Endpoint::id).containsExactly("10.0.0.1:80");
    }

    @Test
    @DisplayName("a known endpoint that stops being ready is drained and kept with its state, then undrained")
    void notReadyIsDrainedAndKept() {
        feed.apply(pool, discovered("10.0.0.1", State.READY, "10.0.0.2", State.READY));
        Endpoint second = pool.endpoint("10.0.0.2:80");
        var lease = pool.pick(null);

        feed.apply(pool, discovered("10.0.0.1", State.READY, "10.0.0.2", State.NOT_READY));
        assertThat(pool.endpoint("10.0.0.2:80")).isSameAs(second);
        assertThat(second.isDraining()).isTrue();

        feed.apply(pool, discovered("10.0.0.1", State.READY, "10.0.0.2", State.READY));
        assertThat(pool.endpoint("10.0.0.2:80")).isSameAs(second);
        assertThat(second.isDraining()).isFalse();
        lease.complete(dev.ballast.lb.Outcome.SUCCESS);
    }

    @Test
    @DisplayName("a terminating endpoint is drained while its leases finish, and leaves when its slice entry goes")
    void terminatingDrainsThenLeaves() {
        feed.apply(pool, discovered("10.0.0.1", State.READY));
        var lease = pool.pick(null);
        Endpoint endpoint = pool.endpoint("10.0.0.1:80");

        feed.apply(pool, discovered("10.0.0.1", State.TERMINATING));
        assertThat(endpoint.isDraining()).isTrue();
        assertThat(endpoint.inFlight()).isEqualTo(1);
        assertThat(pool.pick(null)).isNull();

        PoolFeed.Applied applied = feed.apply(pool, discovered());
        assertThat(applied.removed()).isEqualTo(1);
        assertThat(pool.endpoints()).isEmpty();
        lease.complete(dev.ballast.lb.Outcome.SUCCESS);
        assertThat(endpoint.inFlight()).isZero();
    }

    @Test
    @DisplayName("an endpoint drained through the admin API stays drained when discovery sees it ready")
    void adminDrainIsRespected() {
        feed.apply(pool, discovered("10.0.0.1", State.READY, "10.0.0.2", State.READY));
        pool.drain("10.0.0.2:80");

        feed.apply(pool, discovered("10.0.0.1", State.READY, "10.0.0.2", State.NOT_READY));
        feed.apply(pool, discovered("10.0.0.1", State.READY, "10.0.0.2", State.READY));

        assertThat(pool.endpoint("10.0.0.2:80").isDraining()).isTrue();
    }

    /** Pairs of address and state; every endpoint on port 80. */
    private static Map<String, Discovered> discovered(Object... pairs) {
        Map<String, Discovered> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            String address = (String) pairs[i];
            EndpointSpec spec = EndpointSpec.of(address, 80);
            map.put(spec.id(), new Discovered(spec, (State) pairs[i + 1]));
        }
        return map;
    }
}
