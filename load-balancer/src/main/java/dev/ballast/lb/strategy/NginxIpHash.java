package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.clientip.IpAddress;

/**
 * nginx ip_hash placement, bit for bit (ngx_http_upstream_ip_hash_module.c): key = first three octets of an IPv4
 * address or all 16 bytes of IPv6 (3 zero bytes when unparseable, nginx's pseudo address); hash starts at 89 and
 * runs hash = (hash * 113 + byte) % 6271 per key byte on every attempt; hash % total_weight selects a weighted
 * bucket in configuration order; an unusable peer means rehash, and after 20 tries (or with fewer than 2 peers)
 * round robin takes over. For users migrating from nginx who must keep clients where they were.
 */
public final class NginxIpHash implements Strategy {

    private static final byte[] PSEUDO_ADDRESS = new byte[3];
    private static final int MAX_TRIES = 20;

    private final Endpoint[] peers;
    /** cumulative[i] = weight of peers[0..i]; a binary search replaces nginx's linear walk, same result. */
    private final long[] cumulative;
    private final long totalWeight;
    private final SmoothWeightedRoundRobin fallback;

    public NginxIpHash(Endpoint[] peers) {
        this.peers = peers;
        this.cumulative = new long[peers.length];
        long sum = 0;
        for (int i = 0; i < peers.length; i++) {
            sum += peers[i].weight();
            cumulative[i] = sum;
        }
        this.totalWeight = sum;
        this.fallback = new SmoothWeightedRoundRobin(peers);
    }

    @Override
    public Endpoint pick(PickContext context, Eligibility eligibility, long nowNanos) {
        if (peers.length < 2) {
            return fallback.pick(context, eligibility, nowNanos);
        }
        byte[] address = IpAddress.parse(context.clientIp());
        int length;
        if (address == null) {
            address = PSEUDO_ADDRESS;
            length = 3;
        } else {
            length = address.length == 4 ? 3 : 16;
        }
        int hash = 89;
        for (int tries = 0; ; ) {
            for (int i = 0; i < length; i++) {
                hash = (hash * 113 + (address[i] & 0xff)) % 6271;
            }
            Endpoint peer = peers[bucket(hash % totalWeight)];
            if (eligibility.allows(peer, context, nowNanos)) {
                return peer;
            }
            if (++tries > MAX_TRIES) {
                return fallback.pick(context, eligibility, nowNanos);
            }
        }
    }

    /** Index of the peer whose weight range holds w (nginx: while (w >= peer->weight) { w -= weight; next }). */
    private int bucket(long w) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > w) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** The nginx ip_hash value after the first attempt, for tests and migration tooling. */
    public static int firstHash(String clientIp) {
        byte[] address = IpAddress.parse(clientIp);
        int length = address == null ? 3 : address.length == 4 ? 3 : 16;
        if (address == null) {
            address = PSEUDO_ADDRESS;
        }
        int hash = 89;
        for (int i = 0; i < length; i++) {
            hash = (hash * 113 + (address[i] & 0xff)) % 6271;
        }
        return hash;
    }
}
