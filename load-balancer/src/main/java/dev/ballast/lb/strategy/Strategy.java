package dev.ballast.lb.strategy;

import dev.ballast.lb.Eligibility;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.PickContext;
import dev.ballast.lb.RandomSource;
import dev.ballast.lb.StrategyConfig;
import java.util.List;

/**
 * One balancing method, as an nginx upstream module: {@link #init} builds it over an immutable snapshot of
 * endpoints, {@link #pick} chooses one per request. Per-request endpoint state (in-flight, health) lives in the
 * endpoints; a strategy keeps only its own selection state (current weights, hash tables).
 */
public interface Strategy {

    /**
     * Chooses an endpoint the eligibility allows, or null when there is none. Called concurrently from
     * several event-loop threads; must not block for long.
     */
    Endpoint pick(PickContext context, Eligibility eligibility, long nowNanos);

    /**
     * True when {@link #pick} has already counted the endpoint it returns as in flight ({@link Endpoint#countPick}), so
     * the pool must not count it again. False (the default): the pool counts it.
     */
    default boolean countsPick() {
        return false;
    }

    /** Builds the strategy named by {@code config} over one snapshot (the order of {@code endpoints} matters). */
    static Strategy init(StrategyConfig config, List<Endpoint> endpoints, RandomSource random) {
        Endpoint[] peers = endpoints.toArray(new Endpoint[0]);
        return switch (config.kind()) {
            case ROUND_ROBIN -> new SmoothWeightedRoundRobin(peers);
            case LEAST_CONN -> new LeastConnections(peers);
            case IP_HASH_NGINX -> new NginxIpHash(peers);
            case CONSISTENT_HASH -> new MaglevConsistentHash(peers, config.boundedLoadFactor(), random);
            case LEAST_REQUEST -> new LeastRequest(peers, config.activeRequestBias(), random);
            case RANDOM -> new WeightedRandom(peers, random);
        };
    }
}
