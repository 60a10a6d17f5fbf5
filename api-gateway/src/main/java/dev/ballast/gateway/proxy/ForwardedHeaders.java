package dev.ballast.gateway.proxy;

import io.vertx.core.MultiMap;

/**
 * Appends this hop to X-Forwarded-For and Forwarded (RFC 7239) and sets X-Forwarded-Proto/-Host, the way nginx's
 * $proxy_add_x_forwarded_for does: earlier hops are kept, this one is added at the end. Proto and host sent by a
 * client are only kept when the peer is a trusted proxy; otherwise they are replaced (they could be spoofed).
 */
final class ForwardedHeaders {

    private ForwardedHeaders() {
    }

    static void append(MultiMap upstream, String peer, String scheme, String host, boolean peerTrusted) {
        String xff = upstream.get("x-forwarded-for");
        upstream.set("x-forwarded-for", xff == null ? peer : xff + ", " + peer);
        if (!peerTrusted || !upstream.contains("x-forwarded-proto")) {
            upstream.set("x-forwarded-proto", scheme);
        }
        if (host != null && (!peerTrusted || !upstream.contains("x-forwarded-host"))) {
            upstream.set("x-forwarded-host", host);
        }
        StringBuilder element = new StringBuilder(48);
        String forwarded = upstream.get("forwarded");
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
        if (host != null) {
            element.append(";host=\"").append(host).append('"');
        }
        upstream.set("forwarded", element.toString());
    }
}
