package dev.ballast.gateway.proxy;

import io.vertx.core.MultiMap;

import java.util.List;

/**
 * Appends this hop to X-Forwarded-For and Forwarded (RFC 7239) and sets X-Forwarded-Proto/-Host, the way nginx's
 * $proxy_add_x_forwarded_for does: earlier hops are kept, this one is added at the end. Proto and host sent by a
 * client are only kept when the peer is a trusted proxy; otherwise they are replaced (they could be spoofed).
 * Earlier hops are every line of the header, in order: a proxy in front may add its own line after the client's.
 */
final class ForwardedHeaders {

    private ForwardedHeaders() {
    }

    static void append(MultiMap upstream, String peer, String scheme, String host, boolean peerTrusted) {
        String xff = joined(upstream, HeaderNames.X_FORWARDED_FOR);
        upstream.set(HeaderNames.X_FORWARDED_FOR, (CharSequence) (xff == null ? peer : xff + ", " + peer));
        if (!peerTrusted || !upstream.contains(HeaderNames.X_FORWARDED_PROTO)) {
            upstream.set(HeaderNames.X_FORWARDED_PROTO, (CharSequence) scheme);
        }
        if (host != null && (!peerTrusted || !upstream.contains(HeaderNames.X_FORWARDED_HOST))) {
            upstream.set(HeaderNames.X_FORWARDED_HOST, (CharSequence) host);
        }
        StringBuilder element = new StringBuilder(48);
        String forwarded = joined(upstream, HeaderNames.FORWARDED);
        if (forwarded != null) {
            element.append(forwarded).append(", ");
        }
        element.append("for=");
        if (peer.indexOf(':') >= 0) {
            element.append("\"[").append(peer).append("]\"");
        } else {
            element.append(peer);
        }
        element.append(";proto=").append(scheme);
        if (host != null && quotable(host)) {
            element.append(";host=\"").append(host).append('"');
        }
        upstream.set(HeaderNames.FORWARDED, (CharSequence) element.toString());
    }

    /**
     * A Host value that can go inside the quoted host= as it is. A valid Host (RFC 9110 uri-host[:port]) never holds
     * a quote, a backslash, a space or a control character; one that does came from a client trying to close the
     * quotes and write its own for= for the next proxy to believe ({@code Host: a", for=1.1.1.1;x="b}). Such a host
     * is left out rather than escaped.
     */
    static boolean quotable(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\') {
                return false;
            }
        }
        return !host.isEmpty();
    }

    /**
     * Every line of a list header, in order, joined with ", " (RFC 9110 §5.3); null when absent. Not get(), which
     * gives the first line only: HAProxy's option forwardfor adds a new X-Forwarded-For line after the client's, so
     * the first line is the one the client wrote.
     */
    static String joined(MultiMap headers, CharSequence name) {
        String first = headers.get(name);
        if (first == null) {
            return null;
        }
        List<String> lines = headers.getAll(name);
        return lines.size() == 1 ? first : String.join(", ", lines);
    }
}
