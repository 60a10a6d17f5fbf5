package dev.ballast.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("client IP: right-most untrusted hop behind trusted proxies, spoofing ignored, bad input harmless")
class TrustedProxyClientIpTest {

    private static final List<String> TRUSTED =
            List.of("10.0.0.0/8", "192.168.1.1", "fd00::/8", "::ffff:172.16.0.0/108");

    private final TrustedProxyClientIp resolver = TrustedProxyClientIp.of(TRUSTED);
    private final TrustedProxyClientIp forwardedResolver = TrustedProxyClientIp.of(TRUSTED, ClientIpHeader.FORWARDED);

    @ParameterizedTest(name = "[{index}] peer {0}, XFF ''{1}'' -> {2}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            // untrusted peer: headers are whatever the client made up
            "203.0.113.7  | 1.2.3.4                          | 203.0.113.7",
            "203.0.113.7  | NULL                             | 203.0.113.7",
            // trusted peer: the proxy appended the address it saw
            "10.0.0.5     | 198.51.100.9                     | 198.51.100.9",
            // client spoofs a left-most entry; the right-most untrusted one is what our proxy saw
            "10.0.0.5     | 6.6.6.6, 198.51.100.9            | 198.51.100.9",
            // chains of trusted proxies are skipped from the right
            "10.0.0.5     | 198.51.100.9, 10.1.1.1, 192.168.1.1 | 198.51.100.9",
            // client claims to be a trusted proxy: still its real address wins
            "10.0.0.5     | 10.9.9.9, 198.51.100.9           | 198.51.100.9",
            // everything trusted: the left-most (nginx real_ip_recursive)
            "10.0.0.5     | 10.2.2.2, 10.1.1.1               | 10.2.2.2",
            // ports, spaces, IPv6 with brackets, IPv4-mapped forms, case
            "10.0.0.5     | 198.51.100.9:51234               | 198.51.100.9",
            "10.0.0.5     | '  [2001:DB8::1]:443 '           | 2001:db8::1",
            "10.0.0.5     | 2001:db8:0:0:0:0:0:1             | 2001:db8::1",
            "fd00::1      | 198.51.100.9                     | 198.51.100.9",
            "::ffff:10.0.0.5 | 198.51.100.9                  | 198.51.100.9",
            "10.0.0.5     | ::ffff:198.51.100.9              | 198.51.100.9",
            "172.16.3.4   | 198.51.100.9                     | 198.51.100.9",
            // malformed headers from a trusted peer fall back to the peer, never throw
            "10.0.0.5     | garbage                          | 10.0.0.5",
            "10.0.0.5     | 198.51.100.9, garbage            | 10.0.0.5",
            "10.0.0.5     | 1.2.3.4, unknown, 10.1.1.1       | 10.0.0.5",
            "10.0.0.5     | 256.1.1.1                        | 10.0.0.5",
            "10.0.0.5     | 01.2.3.4                         | 10.0.0.5",
            "10.0.0.5     | 1:2:3:4:5:6:7:8:9                | 10.0.0.5",
            "10.0.0.5     | ',,,'                            | 10.0.0.5",
            "10.0.0.5     | ''                               | 10.0.0.5",
            "10.0.0.5     | '[::1'                           | 10.0.0.5",
            // a bad peer is returned as given
            "not-an-ip    | 198.51.100.9                     | not-an-ip",
    })
    void xForwardedFor(String peer, String xff, String expected) {
        assertThat(resolver.resolve(peer, xff, null)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] Forwarded ''{1}'' -> {2}")
    @CsvSource(delimiter = '|', value = {
            "10.0.0.5    | for=198.51.100.9                                       | 198.51.100.9",
            "10.0.0.5    | for=6.6.6.6, for=198.51.100.9;proto=https              | 198.51.100.9",
            "10.0.0.5    | 'for=\"[2001:db8:cafe::17]:4711\"'                      | 2001:db8:cafe::17",
            "10.0.0.5    | 'For=198.51.100.9;by=10.0.0.5, for=10.1.1.1'           | 198.51.100.9",
            "10.0.0.5    | 'for=192.0.2.60;proto=http;by=203.0.113.43'            | 192.0.2.60",
            // RFC 7239 §6.3 obfuscated ports hide the port, not the client
            "10.0.0.5    | 'for=\"192.0.2.43:_p1\"'                              | 192.0.2.43",
            "10.0.0.5    | 'for=\"[2001:db8::1]:_abc-9.x\"'                       | 2001:db8::1",
            "10.0.0.5    | 'for=\"192.0.2.43:_\"'                                | 10.0.0.5",
            "10.0.0.5    | for=unknown                                            | 10.0.0.5",
            "10.0.0.5    | for=_hidden, for=10.1.1.1                              | 10.0.0.5",
            "10.0.0.5    | 'for=\"198.51.100.9'                                    | 10.0.0.5",
            "10.0.0.5    | proto=https                                            | 10.0.0.5",
            "203.0.113.7 | for=198.51.100.9                                       | 203.0.113.7",
    })
    void forwarded(String peer, String forwarded, String expected) {
        assertThat(forwardedResolver.resolve(peer, null, forwarded)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] Forwarded ''{0}'' -> {1}")
    @CsvSource(delimiter = '|', value = {
            // empty elements are no elements (RFC 9110 list rule), as in X-Forwarded-For
            "'for=203.0.113.7,'                                          | 203.0.113.7",
            "'for=203.0.113.7, ,  '                                      | 203.0.113.7",
            "', for=203.0.113.7'                                         | 203.0.113.7",
            "'for=6.6.6.6,, for=203.0.113.7;proto=https'                 | 203.0.113.7",
            "',,'                                                        | 10.0.0.5",
            // whatever the client wrote left of the first untrusted hop is never parsed: quotes need not balance
            "'for=\"6.6.6.6, for=203.0.113.7'                            | 203.0.113.7",
            "'for=6.6.6.6;host=\"x, for=203.0.113.7, for=10.1.1.1'       | 203.0.113.7",
            "'\"\"\", for=203.0.113.7;host=\"a\\\",b\"'                    | 203.0.113.7",
            // a malformed element among those our trusted proxies wrote still falls back to the peer
            "'for=203.0.113.7, for=\"10.1.1.1'                           | 10.0.0.5",
            "'for=203.0.113.7, proto=https'                              | 10.0.0.5",
    })
    void forwardedElementsAreReadFromTheRight(String forwarded, String expected) {
        assertThat(forwardedResolver.resolve("10.0.0.5", forwarded)).isEqualTo(expected);
    }

    @Test
    @DisplayName("a client cannot force a fallback to the proxy by padding the header: only its right end is read")
    void aLongClientWrittenPrefixDoesNotChangeTheAnswer() {
        String xffPadding = "1.1.1.1, ".repeat(2000) + "x".repeat(10_000) + ", ";
        String forwardedPadding = "for=\"".repeat(3000) + ", ";

        assertThat(resolver.resolve("10.0.0.5", xffPadding + "203.0.113.7, 10.1.1.1", null)).isEqualTo("203.0.113.7");
        assertThat(forwardedResolver.resolve("10.0.0.5", forwardedPadding + "for=203.0.113.7"))
                .isEqualTo("203.0.113.7");
    }

    @Test
    @DisplayName("a chain of trusted hops reaching past the 8 KiB read resolves to the peer, not to a guess")
    void aTrustedChainLongerThanTheReadLimitFallsBackToThePeer() {
        String chain = "203.0.113.7, " + "10.1.1.1, ".repeat(1000) + "10.1.1.1";
        String forwardedChain = "for=203.0.113.7, " + "for=10.1.1.1, ".repeat(700) + "for=10.1.1.1";

        assertThat(chain.length()).isGreaterThan(TrustedProxyClientIp.MAX_HEADER_LENGTH);
        assertThat(forwardedChain.length()).isGreaterThan(TrustedProxyClientIp.MAX_HEADER_LENGTH);
        assertThat(resolver.resolve("10.0.0.5", chain, null)).isEqualTo("10.0.0.5");
        assertThat(forwardedResolver.resolve("10.0.0.5", forwardedChain)).isEqualTo("10.0.0.5");
    }

    @ParameterizedTest(name = "[{index}] X-Forwarded-For ''{0}'', Forwarded ''{1}'': {2}, or {3} with Forwarded")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            // a proxy that manages only one header passes the other through from the client, spoofed or not
            "203.0.113.7 | for=6.6.6.6     | 203.0.113.7 | 6.6.6.6",
            "6.6.6.6     | for=203.0.113.7 | 6.6.6.6     | 203.0.113.7",
            // a Forwarded without for= no longer discards a valid X-Forwarded-For
            "203.0.113.7 | proto=https     | 203.0.113.7 | 10.0.0.5",
            "203.0.113.7 | NULL            | 203.0.113.7 | 10.0.0.5",
            "NULL        | for=203.0.113.7 | 10.0.0.5    | 203.0.113.7",
    })
    @DisplayName("only the configured header is believed, as nginx real_ip_header; the other one is ignored")
    void onlyTheConfiguredHeaderIsRead(String xff, String forwarded, String byDefault, String withForwarded) {
        assertThat(resolver.header()).isEqualTo(ClientIpHeader.X_FORWARDED_FOR);
        assertThat(resolver.resolve("10.0.0.5", xff, forwarded)).isEqualTo(byDefault);
        assertThat(forwardedResolver.resolve("10.0.0.5", xff, forwarded)).isEqualTo(withForwarded);
    }

    @Test
    void withoutTrustedProxiesThePeerIsAlwaysTheClient() {
        assertThat(TrustedProxyClientIp.none().resolve("10.0.0.5", "1.1.1.1", "for=2.2.2.2")).isEqualTo("10.0.0.5");
        assertThat(TrustedProxyClientIp.of(List.of()).resolve(null, "1.1.1.1", null)).isNull();
    }

    @Test
    void anOverlongHeaderIsNotScanned() {
        String huge = "10.1.1.1, ".repeat(2000) + "10.1.1.1";

        assertThat(resolver.resolve("10.0.0.5", huge, null)).isEqualTo("10.0.0.5");
    }

    @ParameterizedTest(name = "''{0}'' is rejected")
    @CsvSource({"10.0.0.0/33", "10.0.0/8", "fd00::/129", "banana", "10.0.0.0/x", "''"})
    void badCidrsAreNamed(String cidr) {
        assertThatThrownBy(() -> TrustedProxyClientIp.of(List.of("127.0.0.1", cidr)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(cidr.isEmpty() ? "must not be blank" : "'" + cidr + "'");
    }

    @Test
    void prefixMatchingIsBitExact() {
        TrustedProxyClientIp narrow = TrustedProxyClientIp.of(List.of("10.0.0.0/31", "2001:db8::/127"));

        assertThat(narrow.resolve("10.0.0.1", "1.1.1.1", null)).isEqualTo("1.1.1.1");
        assertThat(narrow.resolve("10.0.0.2", "1.1.1.1", null)).isEqualTo("10.0.0.2");
        assertThat(narrow.resolve("2001:db8::1", "1.1.1.1", null)).isEqualTo("1.1.1.1");
        assertThat(narrow.resolve("2001:db8::2", "1.1.1.1", null)).isEqualTo("2001:db8::2");
    }

    @ParameterizedTest(name = "[{index}] ''{0}'' trusted: {1}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "10.0.0.5            | true",
            "10.255.255.255      | true",
            "11.0.0.1            | false",
            "192.168.1.1         | true",
            "192.168.1.2         | false",
            "fd00::1             | true",
            "[fd12::7]:8443      | true",
            "2001:db8::1         | false",
            "::ffff:10.0.0.5     | true",
            "172.16.3.4          | true",
            "::ffff:172.16.3.4   | true",
            "172.32.0.1          | false",
            "10.0.0.5:51234      | true",
            "not-an-address      | false",
            "''                  | false",
            "NULL                | false"})
    void tellsWhetherAnAddressIsATrustedProxy(String address, boolean expected) {
        assertThat(resolver.isTrusted(address)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] peer {0} is {1} on every path")
    @CsvSource(delimiter = '|', value = {
            "2001:db8:0:0:0:0:0:1      | 2001:db8::1",
            "2001:DB8::1               | 2001:db8::1",
            "[2001:db8::1]:443         | 2001:db8::1",
            "0:0:0:0:0:0:0:1           | ::1",
            "::ffff:203.0.113.7        | 203.0.113.7",
            "203.0.113.7               | 203.0.113.7",
            "203.0.113.7:51234         | 203.0.113.7",
            "fe80:0:0:0:0:0:0:1%eth0   | fe80::1",
            "fd00:0:0:0:0:0:0:9        | fd00::9",
    })
    @DisplayName("one address gives one text whether headers are absent, ignored or fall back (one key per client)")
    void thePeerIsCanonicalOnEveryPath(String peer, String canonical) {
        TrustedProxyClientIp trustingAll = TrustedProxyClientIp.of(List.of("0.0.0.0/0", "::/0"));

        assertThat(TrustedProxyClientIp.canonical(peer)).isEqualTo(canonical);
        assertThat(resolver.resolve(peer, null)).isEqualTo(canonical);
        assertThat(resolver.resolve(peer, "198.51.100.9")).isEqualTo(
                resolver.isTrusted(peer) ? "198.51.100.9" : canonical);
        assertThat(TrustedProxyClientIp.none().resolve(peer, "198.51.100.9")).isEqualTo(canonical);
        assertThat(trustingAll.resolve(peer, "garbage")).isEqualTo(canonical);
        assertThat(trustingAll.resolve(peer, "")).isEqualTo(canonical);
    }

    @Test
    void aPlainDottedQuadIsReturnedAsItIsWithoutACopy() {
        String peer = new String("203.0.113.7");

        assertThat(TrustedProxyClientIp.canonical(peer)).isSameAs(peer);
        assertThat(resolver.resolve(peer, null)).isSameAs(peer);
        assertThat(TrustedProxyClientIp.canonical("not-an-address")).isEqualTo("not-an-address");
        assertThat(TrustedProxyClientIp.canonical(null)).isNull();
    }

    @ParameterizedTest(name = "[{index}] peer {0}")
    @ValueSource(strings = {"fe80::1%eth0", "fe80:0:0:0:0:0:0:1%eth0", "fe80::1%2", "[fe80::1%eth0]:443",
            "FE80::1%en0"})
    @DisplayName("a link-local peer with a zone, as Java reports it, is parsed and matched; the zone is dropped")
    void zoneIdsAreDropped(String peer) {
        TrustedProxyClientIp linkLocal = TrustedProxyClientIp.of(List.of("fe80::/10"));

        assertThat(linkLocal.isTrusted(peer)).isTrue();
        assertThat(linkLocal.resolve(peer, "198.51.100.9", null)).isEqualTo("198.51.100.9");
        assertThat(linkLocal.resolve(peer, null, null)).isEqualTo("fe80::1");
        assertThat(TrustedProxyClientIp.none().resolve(peer, "198.51.100.9", null)).isEqualTo("fe80::1");
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @ValueSource(strings = {"fe80::1%", "fe80::1%eth 0", "fe80::1%eth0%1", "fe80::1%eth0:80", "10.0.0.5%eth0",
            "[10.0.0.5%eth0]"})
    @DisplayName("a malformed zone makes the address malformed: not trusted, returned as given")
    void malformedZonesAreNotAddresses(String peer) {
        TrustedProxyClientIp trusting = TrustedProxyClientIp.of(List.of("fe80::/10", "10.0.0.0/8"));

        assertThat(trusting.isTrusted(peer)).isFalse();
        assertThat(trusting.resolve(peer, "198.51.100.9", null)).isEqualTo(peer);
    }

    @Test
    void withoutTrustedProxiesNothingIsTrusted() {
        assertThat(TrustedProxyClientIp.none().isTrusted("10.0.0.5")).isFalse();
        assertThat(TrustedProxyClientIp.none().isTrusted("127.0.0.1")).isFalse();
    }
}
