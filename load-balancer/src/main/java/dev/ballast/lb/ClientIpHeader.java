package dev.ballast.lb;

/**
 * The one forwarding header a {@link TrustedProxyClientIp} believes, as nginx's {@code real_ip_header}: the header
 * the trusted proxies in front actually manage. A proxy that appends to X-Forwarded-For passes a client's Forwarded
 * through untouched (and the other way round), so reading the other header, or preferring one when both are present,
 * would let a client choose its own address.
 */
public enum ClientIpHeader {

    /** {@code X-Forwarded-For}: what nginx, HAProxy ({@code option forwardfor}), Envoy and cloud balancers append. */
    X_FORWARDED_FOR("X-Forwarded-For"),

    /** RFC 7239 {@code Forwarded}: its {@code for=} parameter. */
    FORWARDED("Forwarded");

    private final String headerName;

    ClientIpHeader(String headerName) {
        this.headerName = headerName;
    }

    /** The header's name as usually written ("X-Forwarded-For", "Forwarded"); header names are case-insensitive. */
    public String headerName() {
        return headerName;
    }
}
