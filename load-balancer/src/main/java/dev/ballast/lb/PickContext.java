package dev.ballast.lb;

import java.util.Set;

/**
 * What the caller knows about a request when it asks for an endpoint.
 * hashKey is the value the gateway already extracted from the header or cookie the strategy names
 * (null falls back to the client IP); avoid holds ids a retry already tried (Envoy previous_hosts, nginx "tried").
 */
public record PickContext(String clientIp, String hashKey, Set<String> avoid) {

    public static final PickContext EMPTY = new PickContext(null, null, Set.of());

    public PickContext {
        avoid = avoid == null ? Set.of() : avoid;
    }

    public static PickContext of(String clientIp) {
        return new PickContext(clientIp, null, Set.of());
    }

    public static PickContext of(String clientIp, String hashKey) {
        return new PickContext(clientIp, hashKey, Set.of());
    }

    /** Same request, retried: also avoid these endpoints. */
    public PickContext avoiding(Set<String> ids) {
        return new PickContext(clientIp, hashKey, ids);
    }

    /** The key consistent hashing uses: the extracted header/cookie value, else the client IP (may be null). */
    public String effectiveHashKey() {
        return hashKey != null ? hashKey : clientIp;
    }

    /** True when this endpoint was already tried by this request. */
    public boolean avoids(String endpointId) {
        return !avoid.isEmpty() && avoid.contains(endpointId);
    }
}
