package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ballast.lb.EndpointSpec;
import dev.ballast.lb.Lease;
import dev.ballast.lb.Outcome;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.Pools;
import dev.ballast.lb.StrategyConfig;
import dev.ballast.lb.UpstreamPool;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("ip-hash nginx mode places clients exactly where nginx ip_hash does")
class NginxIpHashTest {

    /*
     * Expected values were recorded from a real nginx 1.22.1 (Debian package) with realip taking the address from
     * X-Forwarded-For and these upstreams (server order a, b, c, d):
     *   equal:    ip_hash; a; b; c
     *   weighted: ip_hash; a weight=5; b weight=1; c weight=2; d weight=1
     *   downb:    ip_hash; a; b down; c          (b unusable: nginx rehashes)
     */
    @ParameterizedTest(name = "{0} -> equal {1}, weighted {2}, b down {3}")
    @CsvSource({
            "192.0.2.1, a, a, a",
            "192.0.2.200, a, a, a",
            "198.51.100.7, a, a, a",
            "203.0.113.9, a, a, a",
            "10.1.2.3, b, c, c",
            "10.1.3.3, c, d, c",
            "172.16.0.1, c, a, c",
            "8.8.8.8, c, d, c",
            "1.1.1.1, a, c, a",
            "100.64.7.9, c, a, c",
            "2001:db8::1, c, d, c",
            "2001:db8::2, a, a, a",
            "fe80::1, a, c, a",
            "::1, c, b, c",
            "2606:4700:4700::1111, b, a, c",
    })
    void placementMatchesNginx(String client, String equal, String weighted, String withBDown) {
        UpstreamPool equalPool = Pools.pool(StrategyConfig.ipHashNginx(), Pools.weighted(1, 1, 1));
        UpstreamPool weightedPool = Pools.pool(StrategyConfig.ipHashNginx(), Pools.weighted(5, 1, 2, 1));
        UpstreamPool downPool = Pools.pool(StrategyConfig.ipHashNginx(), Pools.weighted(1, 1, 1));
        downPool.drain("b");

        assertThat(pickId(equalPool, client)).isEqualTo(equal);
        assertThat(pickId(weightedPool, client)).isEqualTo(weighted);
        assertThat(pickId(downPool, client)).isEqualTo(withBDown);
    }

    @Test
    void clientsInTheSameSlash24ShareAnEndpoint() {
        UpstreamPool pool = Pools.pool(StrategyConfig.ipHashNginx(), Pools.equal(5));

        String first = pickId(pool, "203.0.113.1");

        for (int host = 2; host < 255; host++) {
            assertThat(pickId(pool, "203.0.113." + host)).isEqualTo(first);
        }
    }

    @Test
    void ipv4MappedIpv6IsHashedLikeThePlainIpv4Address() {
        UpstreamPool pool = Pools.pool(StrategyConfig.ipHashNginx(), Pools.equal(7));

        assertThat(pickId(pool, "::ffff:10.1.2.3")).isEqualTo(pickId(pool, "10.1.2.3"));
    }

    @Test
    void anUnparseableClientUsesNginxsPseudoAddressInsteadOfFailing() {
        UpstreamPool pool = Pools.pool(StrategyConfig.ipHashNginx(), Pools.equal(3));

        assertThat(pickId(pool, "not-an-ip")).isEqualTo(pickId(pool, null)).isEqualTo(pickId(pool, "0.0.0.9"));
    }

    @Test
    void whenEveryRehashMissesRoundRobinTakesOver() {
        UpstreamPool pool = Pools.pool(StrategyConfig.ipHashNginx(), Pools.equal(3));
        String home = pickId(pool, "10.1.2.3");
        List<String> others = List.of("a", "b", "c").stream().filter(id -> !id.equals(home)).toList();

        Lease lease = pool.pick(new PickContext("10.1.2.3", null, java.util.Set.copyOf(others)));

        assertThat(lease.endpoint().id()).isEqualTo(home);
        lease.complete(Outcome.SUCCESS);
        assertThat(pool.pick(new PickContext("10.1.2.3", null, java.util.Set.of("a", "b", "c")))).isNull();
    }

    @Test
    void aSingleEndpointIsAlwaysChosen() {
        UpstreamPool pool = Pools.pool(StrategyConfig.ipHashNginx(), List.of(EndpointSpec.of("10.9.9.9", 80, 3)));

        assertThat(pickId(pool, "192.0.2.1")).isEqualTo("10.9.9.9:80");
    }

    private static String pickId(UpstreamPool pool, String client) {
        Lease lease = pool.pick(PickContext.of(client));
        lease.complete(Outcome.SUCCESS);
        return lease.endpoint().id();
    }
}
