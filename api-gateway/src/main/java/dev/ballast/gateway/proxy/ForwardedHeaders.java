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
        String xff = upstream.get(HeaderNames.X_FORWARDED_FOR);
        upstream.set(HeaderNames.X_FORWARDED_FOR, (CharSequence) (xff == null ? peer : xff + ", " + peer));
        if (!peerTrusted || !upstream.contains(HeaderNames.X_FORWARDED_PROTO)) {
            upstream.set(HeaderNames.X_FORWARDED_PROTO, (CharSequence) scheme);
        }
        if (host != null && (!peerTrusted || !upstream.contains(HeaderNames.X_FORWARDED_HOST))) {
            upstream.set(HeaderNames.X_FORWARDED_HOST, (CharSequence) host);
        }
        StringBuilder element = new StringBuilder(48);
        String forwarded = upstream.get(HeaderNames.FORWARDED);
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
        upstream.set(HeaderNames.FORWARDED, (CharSequence) element.toString());
    }
}
