package dev.ballast.gateway.proxy;

import io.vertx.core.MultiMap;

import java.util.List;
import java.util.Map;

/**
 * Copies headers between the client and upstream exchanges without the hop-by-hop ones (RFC 9110 §7.6.1: Connection
 * and every header it names, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade,
 * Proxy-Authenticate, Proxy-Authorization). Transfer-Encoding is rebuilt by each side's own HTTP codec.
 */
final class HopByHopHeaders {

    private HopByHopHeaders() {
    }

    /** Copies {@code from} into {@code to}, leaving out hop-by-hop headers. */
    static void copy(MultiMap from, MultiMap to) {
        String connection = from.get(HeaderNames.CONNECTION);
        // The usual values name no other header: skip the token parsing (and its allocations) for them.
        List<String> named = connection == null || connection.equalsIgnoreCase("keep-alive")
                || connection.equalsIgnoreCase("close") ? List.of() : connectionTokens(connection);
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey();
            if (!isHopByHop(name) && (named.isEmpty() || !containsIgnoreCase(named, name))) {
                to.add(name, header.getValue());
            }
        }
    }

    static boolean isHopByHop(String name) {
        // Dispatch on length first: most end-to-end headers are rejected without a string comparison.
        switch (name.length()) {
            case 2:
                return name.equalsIgnoreCase("te");
            case 7:
                return name.equalsIgnoreCase("trailer") || name.equalsIgnoreCase("upgrade");
            case 10:
                return name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive");
            case 16:
                return name.equalsIgnoreCase("proxy-connection");
            case 17:
                return name.equalsIgnoreCase("transfer-encoding");
            case 18:
                return name.equalsIgnoreCase("proxy-authenticate");
            case 19:
                return name.equalsIgnoreCase("proxy-authorization");
            default:
                return false;
        }
    }

    private static List<String> connectionTokens(String connection) {
        String[] tokens = connection.split(",");
        java.util.ArrayList<String> names = new java.util.ArrayList<>(tokens.length);
        for (String token : tokens) {
            String t = token.trim();
            if (!t.isEmpty() && !t.equalsIgnoreCase("close") && !t.equalsIgnoreCase("keep-alive")) {
                names.add(t);
            }
        }
        return names;
    }

    private static boolean containsIgnoreCase(List<String> names, String name) {
        for (String n : names) {
            if (n.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
