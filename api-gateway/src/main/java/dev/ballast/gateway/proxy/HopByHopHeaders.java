package dev.ballast.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;

import java.util.Iterator;
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
        if (from instanceof HttpHeaders headers) {
            copy(headers, to); // Vert.x's own header maps are Netty HttpHeaders too
            return;
        }
        List<String> named = from.contains(HeaderNames.CONNECTION)
                ? namedByConnection(String.join(",", from.getAll(HeaderNames.CONNECTION))) : List.of();
        for (Map.Entry<String, String> header : from) {
            String name = header.getKey();
            if (endToEnd(name, named)) {
                to.add(name, header.getValue());
            }
        }
    }

    /**
     * Copies {@code from} into {@code to}, leaving out hop-by-hop headers. The names go over as the decoders made
     * them (ASCII strings with their hash cached), without a String copy of each name and an entry object per header
     * as the String view of the same headers costs.
     */
    static void copy(HttpHeaders from, MultiMap to) {
        List<String> named = from.contains(HeaderNames.CONNECTION)
                ? namedByConnection(String.join(",", from.getAll(HeaderNames.CONNECTION))) : List.of();
        Iterator<Map.Entry<CharSequence, CharSequence>> headers = from.iteratorCharSequence();
        while (headers.hasNext()) {
            Map.Entry<CharSequence, CharSequence> header = headers.next();
            CharSequence name = header.getKey();
            if (endToEnd(name, named)) {
                to.add(name, header.getValue());
            }
        }
    }

    /** Copies an upstream response head's fields into {@code to}, leaving out hop-by-hop headers. */
    static void copy(UpstreamResponseHead from, MultiMap to) {
        List<String> named = namedByConnection(from.joinedValues(HeaderNames.CONNECTION));
        for (int i = 0, n = from.size(); i < n; i++) {
            AsciiString name = from.name(i);
            if (endToEnd(name, named)) {
                to.add(name, from.value(i));
            }
        }
    }

    /** Whether a header goes on to the next hop: not hop-by-hop, and not named by the Connection header. */
    private static boolean endToEnd(CharSequence name, List<String> named) {
        return !isHopByHop(name) && (named.isEmpty() || !containsIgnoreCase(named, name));
    }

    /** The header names the Connection fields list (every field counts, not only the first). */
    private static List<String> namedByConnection(String connection) {
        return connection == null || connection.equalsIgnoreCase("keep-alive") || connection.equalsIgnoreCase("close")
                ? List.of() : connectionTokens(connection);
    }

    static boolean isHopByHop(CharSequence name) {
        // Dispatch on length first: most end-to-end headers are rejected without a string comparison.
        switch (name.length()) {
            case 2:
                return equalsIgnoreCase(name, "te");
            case 7:
                return equalsIgnoreCase(name, "trailer") || equalsIgnoreCase(name, "upgrade");
            case 10:
                return equalsIgnoreCase(name, "connection") || equalsIgnoreCase(name, "keep-alive");
            case 16:
                return equalsIgnoreCase(name, "proxy-connection");
            case 17:
                return equalsIgnoreCase(name, "transfer-encoding");
            case 18:
                return equalsIgnoreCase(name, "proxy-authenticate");
            case 19:
                return equalsIgnoreCase(name, "proxy-authorization");
            default:
                return false;
        }
    }

    private static boolean equalsIgnoreCase(CharSequence name, String lowerCase) {
        return AsciiString.contentEqualsIgnoreCase(name, lowerCase);
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

    private static boolean containsIgnoreCase(List<String> names, CharSequence name) {
        for (String n : names) {
            if (AsciiString.contentEqualsIgnoreCase(n, name)) {
                return true;
            }
        }
        return false;
    }
}
