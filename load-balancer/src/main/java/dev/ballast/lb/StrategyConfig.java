package dev.ballast.lb;

import java.util.Objects;

/**
 * Which balancing method a pool uses and its knobs. One strategy class per kind lives in
 * {@code dev.ballast.lb.strategy}.
 */
public record StrategyConfig(Kind kind, HashKeySource hashKey, double boundedLoadFactor, double activeRequestBias) {

    public enum Kind {
        ROUND_ROBIN("round-robin"),
        LEAST_CONN("least-conn"),
        IP_HASH_NGINX("ip-hash-nginx"),
        CONSISTENT_HASH("consistent-hash"),
        LEAST_REQUEST("least-request"),
        RANDOM("random");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public StrategyConfig {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.CONSISTENT_HASH && hashKey == null) {
            hashKey = HashKeySource.clientIp();
        }
        if (boundedLoadFactor != 0 && !(boundedLoadFactor >= 1.0 && boundedLoadFactor <= 100.0)) {
            throw new IllegalArgumentException("boundedLoadFactor " + boundedLoadFactor
                    + " must be 0 (off) or between 1.0 and 100 (for example 1.25: at most 125% of the average load)");
        }
        if (!(activeRequestBias >= 0.0 && activeRequestBias <= 100.0)) {
            throw new IllegalArgumentException("activeRequestBias " + activeRequestBias
                    + " must be between 0 and 100 (Envoy default 1.0)");
        }
    }

    public static StrategyConfig roundRobin() {
        return new StrategyConfig(Kind.ROUND_ROBIN, null, 0, 1.0);
    }

    public static StrategyConfig leastConn() {
        return new StrategyConfig(Kind.LEAST_CONN, null, 0, 1.0);
    }

    public static StrategyConfig ipHashNginx() {
        return new StrategyConfig(Kind.IP_HASH_NGINX, null, 0, 1.0);
    }

    /** The default ip-hash mode: Maglev over the key, with an optional bounded-load factor (0 = off). */
    public static StrategyConfig consistentHash(HashKeySource source, double boundedLoadFactor) {
        return new StrategyConfig(Kind.CONSISTENT_HASH, source, boundedLoadFactor, 1.0);
    }

    public static StrategyConfig leastRequest(double activeRequestBias) {
        return new StrategyConfig(Kind.LEAST_REQUEST, null, 0, activeRequestBias);
    }

    public static StrategyConfig leastRequest() {
        return leastRequest(1.0);
    }

    public static StrategyConfig random() {
        return new StrategyConfig(Kind.RANDOM, null, 0, 1.0);
    }

    /** "round-robin", "least-conn", "ip-hash-nginx", "consistent-hash", "least-request", "random". */
    public String label() {
        return kind.label();
    }
}
