package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.RandomSource;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Consistent hashing with a weighted Maglev table (Eisenbud et al., NSDI'16 §3.4; Envoy MAGLEV, prime table of
 * 65537, larger when there are more than 655 endpoints so M > 100·N), plus optional bounded load (Mirrokni, Thorup,
 * Zadimoghaddam; HAProxy hash-balance-factor): no endpoint takes more than ⌈factor × (in-flight + 1) / usable⌉,
 * the overflow walks on to the next table slots. The table covers every endpoint, healthy or not, so a health flap
 * moves only the keys of the endpoint that flapped; unusable slots are walked over in the same way.
 */
public final class MaglevConsistentHash implements Strategy {

    private static final int[] PRIMES = {65537, 131071, 262139, 524287, 1048573, 2097143, 4194301};
    private static final long SEED_OFFSET = 0x9E3779B97F4A7C15L;
    private static final long SEED_SKIP = 0xC2B2AE3D27D4EB4FL;
    /** Bounded load's cap before the walk first needs it (a count of 0 is under any cap). */
    private static final long UNKNOWN_CAP = -1;

    private final Endpoint[] peers;
    private final int[] table;
    private final double boundedLoadFactor;
    private final WeightedRandom keyless;
    private final int walkLimit;

    public MaglevConsistentHash(Endpoint[] endpoints, double boundedLoadFactor, RandomSource random) {
        // Table order must not depend on the order the discovery source listed endpoints in.
        this.peers = endpoints.clone();
        Arrays.sort(peers, Comparator.comparing(Endpoint::id));
        this.boundedLoadFactor = boundedLoadFactor;
        this.keyless = new WeightedRandom(peers, random);
        this.table = peers.length == 0 ? new int[0] : build(peers, tableSize(peers.length));
        this.walkLimit = 2 * peers.length + 32;
    }

    static int tableSize(int endpoints) {
        for (int p : PRIMES) {
            if (p >= 100L * endpoints) {
                return p;
            }
        }
        return PRIMES[PRIMES.length - 1];
    }

    private static int[] build(Endpoint[] peers, int m) {
        int n = peers.length;
        long[] position = new long[n];
        long[] skip = new long[n];
        long[] credit = new long[n];
        long maxWeight = 1;
        for (int i = 0; i < n; i++) {
            String id = peers[i].id();
            position[i] = Long.remainderUnsigned(hash(id, SEED_OFFSET), m);
            skip[i] = Long.remainderUnsigned(hash(id, SEED_SKIP), m - 1) + 1;
            maxWeight = Math.max(maxWeight, peers[i].weight());
        }
        int[] table = new int[m];
        Arrays.fill(table, -1);
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                // Weighted turns: endpoint i claims a slot in weight/maxWeight of the rounds (Envoy's weighted Maglev).
                credit[i] += peers[i].weight();
                if (credit[i] < maxWeight) {
                    continue;
                }
                credit[i] -= maxWeight;
                int c = (int) position[i];
                while (table[c] >= 0) {
                    c = next(c, skip[i], m);
                }
                table[c] = i;
                position[i] = next(c, skip[i], m);
                if (++filled == m) {
                    return table;
                }
            }
        }
    }

    private static int next(long c, long skip, int m) {
        long n = c + skip;
        return (int) (n >= m ? n - m : n);
    }

    @Override
    public Endpoint pick(PickContext context, Eligibility eligibility, long nowNanos) {
        String key = context.effectiveHashKey();
        if (key == null || peers.length == 0) {
            return keyless.pick(context, eligibility, nowNanos); // nginx hash: an empty key falls back
        }
        // The cap is at least 1 (the ceiling of a positive number), so an idle endpoint is always under it: the
        // pool-wide total, which every event loop writes, is read only once the walk meets a busy endpoint.
        long cap = boundedLoadFactor > 0 ? UNKNOWN_CAP : Long.MAX_VALUE;
        int m = table.length;
        int slot = (int) Long.remainderUnsigned(hash(key, 0), m);
        for (int step = 0; step < walkLimit; step++) {
            Endpoint peer = peers[table[slot]];
            int inFlight = peer.inFlight();
            if (inFlight != 0 && cap == UNKNOWN_CAP) {
                cap = cap(eligibility);
            }
            if ((inFlight == 0 || inFlight < cap) && eligibility.allows(peer, context, nowNanos)) {
                return peer;
            }
            slot = slot + 1 == m ? 0 : slot + 1;
        }
        if (cap == UNKNOWN_CAP) {
            cap = cap(eligibility);
        }
        // Many unusable or full endpoints: go round the endpoints from the key's own, still key-deterministic.
        // Should every usable endpoint be at the cap (the cap counts the avoided ones as usable, and the pool's
        // total moves under concurrent picks), the least loaded usable one relative to its weight takes the request,
        // as Envoy's bounded load picks the least overloaded host: a pick fails only when nothing is usable.
        int start = table[slot];
        Endpoint leastLoaded = null;
        long leastInFlight = 0;
        long leastWeight = 1;
        for (int k = 0; k < peers.length; k++) {
            Endpoint peer = peers[(start + k) % peers.length];
            if (!eligibility.allows(peer, context, nowNanos)) {
                continue;
            }
            int inFlight = peer.inFlight();
            if (inFlight < cap) {
                return peer;
            }
            // least in flight relative to weight (Envoy's overload factor is per unit of weight), cross-multiplied
            long weight = peer.weight();
            if (leastLoaded == null || inFlight * leastWeight < leastInFlight * weight) {
                leastLoaded = peer;
                leastInFlight = inFlight;
                leastWeight = weight;
            }
        }
        return leastLoaded;
    }

    /** Bounded load: no endpoint takes more than ⌈factor × (in-flight + 1) / usable⌉. */
    private long cap(Eligibility eligibility) {
        int usable = Math.max(1, eligibility.candidateCount());
        return (long) Math.ceil(boundedLoadFactor * (eligibility.totalInFlight() + 1) / usable);
    }

    /** 64-bit FNV-1a over the UTF-16 chars, finished with MurmurHash3's fmix64 for avalanche. No allocation. */
    static long hash(String s, long seed) {
        long h = 0xcbf29ce484222325L ^ seed;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
