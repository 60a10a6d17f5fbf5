package dev.ballast.lb;

import java.util.Map;
import java.util.Objects;

/**
 * Static description of one upstream endpoint: where it is and how much traffic it should get.
 * Weight follows nginx {@code server ... weight=N} (default 1); we cap it at 1000 so weight arithmetic stays small.
 */
public record EndpointSpec(String id, String host, int port, int weight, String zone, Map<String, String> labels) {

    public static final int MIN_WEIGHT = 1;
    public static final int MAX_WEIGHT = 1000;

    public EndpointSpec {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("endpoint host must not be blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("endpoint " + host + ": port " + port + " is outside 1..65535");
        }
        if (weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("endpoint " + host + ":" + port + ": weight " + weight
                    + " is outside " + MIN_WEIGHT + ".." + MAX_WEIGHT);
        }
        if (id == null || id.isBlank()) {
            id = defaultId(host, port);
        }
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public static EndpointSpec of(String host, int port, int weight) {
        return new EndpointSpec(null, host, port, weight, null, Map.of());
    }

    public static EndpointSpec of(String host, int port) {
        return of(host, port, 1);
    }

    /** Same endpoint with another weight (re-weighting keeps the id, so live state survives an update). */
    public EndpointSpec withWeight(int newWeight) {
        return new EndpointSpec(id, host, port, newWeight, zone, labels);
    }

    /** Same endpoint in a zone. */
    public EndpointSpec withZone(String newZone) {
        return new EndpointSpec(id, host, port, weight, newZone, labels);
    }

    private static String defaultId(String host, int port) {
        // IPv6 literals get brackets so the id stays unambiguous ("[::1]:8080").
        Objects.requireNonNull(host);
        return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
