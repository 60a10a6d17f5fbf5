package dev.ballast.gateway.routing;

import dev.ballast.gateway.config.RouteSettings;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds the route for a request: the longest matching path prefix wins (nginx prefix locations), and among equal
 * prefixes a route that names a host or methods beats one that does not. Allocation-free per lookup; a reload swaps
 * the whole sorted array at once (one volatile read per lookup), so a request sees either the old or the new routes.
 */
public final class RouteTable {

    private volatile RouteSettings[] routes;

    public RouteTable(List<RouteSettings> routes) {
        this.routes = sorted(routes);
    }

    /** Swaps in a new set of routes atomically (live reconfiguration). */
    public void replace(List<RouteSettings> next) {
        this.routes = sorted(next);
    }

    private static RouteSettings[] sorted(List<RouteSettings> routes) {
        List<RouteSettings> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparingInt((RouteSettings r) -> r.prefix().length()).reversed()
                .thenComparing(r -> r.host() == null)
                .thenComparing(r -> r.methods().isEmpty()));
        return sorted.toArray(new RouteSettings[0]);
    }

    /**
     * @param host   the Host header as sent (port and case are ignored), may be null
     * @param method the request method, upper case
     * @param path   the request path without query
     * @return the route, or null when none matches
     */
    public RouteSettings match(String host, String method, String path) {
        for (RouteSettings route : this.routes) {
            if (path.startsWith(route.prefix())
                    && (route.host() == null || hostMatches(route.host(), host))
                    && (route.methods().isEmpty() || route.methods().contains(method))) {
                return route;
            }
        }
        return null;
    }

    public List<RouteSettings> routes() {
        return List.of(routes);
    }

    static boolean hostMatches(String expected, String hostHeader) {
        if (hostHeader == null) {
            return false;
        }
        int end = hostHeader.length();
        if (!hostHeader.startsWith("[")) {
            int colon = hostHeader.lastIndexOf(':');
            if (colon >= 0) {
                end = colon;
            }
        } else {
            int bracket = hostHeader.indexOf(']');
            end = bracket < 0 ? end : bracket + 1;
        }
        return end == expected.length() && hostHeader.regionMatches(true, 0, expected, 0, end);
    }

    /**
     * The path the upstream sees: the prefix replaced by {@code rewriteTo} when the route asks for it, always
     * starting with '/'. {@code pathAndQuery} is the request URI as received; the query is kept as is.
     */
    public static String upstreamUri(RouteSettings route, String pathAndQuery) {
        String rewriteTo = route.rewriteTo();
        if (rewriteTo == null) {
            return pathAndQuery;
        }
        String rest = pathAndQuery.substring(route.prefix().length());
        if (rewriteTo.isEmpty()) {
            if (rest.isEmpty() || rest.charAt(0) == '?') {
                return "/" + rest;
            }
            return rest.charAt(0) == '/' ? rest : "/" + rest;
        }
        if (rewriteTo.endsWith("/") && rest.startsWith("/")) {
            return rewriteTo + rest.substring(1);
        }
        return rewriteTo + rest;
    }
}
