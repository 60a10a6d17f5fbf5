package dev.ballast.lb;

import dev.ballast.lb.clientip.Cidr;
import dev.ballast.lb.clientip.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Resolves the real client address behind trusted proxies: from a trusted peer, the right-most address in the one
 * configured header ({@link ClientIpHeader}: X-Forwarded-For by default, or RFC 7239 Forwarded) that is not itself a
 * trusted proxy (nginx realip with real_ip_header and real_ip_recursive on; the only entry a client cannot forge).
 * Headers from an untrusted peer are ignored. Never throws: malformed input resolves to the peer address.
 */
public final class TrustedProxyClientIp {

    /**
     * How much of a header, from its right end, is read: the hops our own proxies appended are there. A longer
     * header is not refused (its left part is what a client wrote, and a client could pad it to force a fallback);
     * only a trusted chain reaching past this point makes the answer the peer.
     */
    static final int MAX_HEADER_LENGTH = 8192;

    private final List<Cidr> trusted;
    private final ClientIpHeader header;

    private TrustedProxyClientIp(List<Cidr> trusted, ClientIpHeader header) {
        this.trusted = trusted;
        this.header = header;
    }

    /** As {@link #of(List, ClientIpHeader)} believing X-Forwarded-For. */
    public static TrustedProxyClientIp of(List<String> trustedCidrs) {
        return of(trustedCidrs, ClientIpHeader.X_FORWARDED_FOR);
    }

    /**
     * Parses the trusted CIDRs ("10.0.0.0/8", "fd00::/8", "127.0.0.1"); IAE names the first bad one. Only
     * {@code header} is read from trusted peers; the other forwarding header is ignored.
     */
    public static TrustedProxyClientIp of(List<String> trustedCidrs, ClientIpHeader header) {
        Objects.requireNonNull(trustedCidrs, "trustedCidrs");
        Objects.requireNonNull(header, "header");
        List<Cidr> parsed = new ArrayList<>(trustedCidrs.size());
        for (String cidr : trustedCidrs) {
            parsed.add(Cidr.parse(cidr));
        }
        return new TrustedProxyClientIp(List.copyOf(parsed), header);
    }

    /** No trusted proxies: the peer address is always the client. */
    public static TrustedProxyClientIp none() {
        return new TrustedProxyClientIp(List.of(), ClientIpHeader.X_FORWARDED_FOR);
    }

    public List<String> trustedCidrs() {
        return trusted.stream().map(Cidr::text).toList();
    }

    /** The header this resolver believes. */
    public ClientIpHeader header() {
        return header;
    }

    /**
     * @param peerAddress the TCP peer (the address the gateway's socket sees), without port
     * @param headerValue the value of the configured {@link #header()}, every line of it joined with "," in order
     *                    (RFC 9110 §5.3; the first line alone may be the client's, with the proxy's line after it),
     *                    or null when absent
     * @return the client address in canonical text form; the peer as given when it cannot be parsed
     */
    public String resolve(String peerAddress, String headerValue) {
        try {
            byte[] peer = IpAddress.parseHop(peerAddress == null ? "" : peerAddress, 0,
                    peerAddress == null ? 0 : peerAddress.length());
            if (peer == null) {
                return peerAddress;
            }
            String canonicalPeer = canonical(peerAddress, peer);
            if (headerValue == null || headerValue.isBlank() || !isTrusted(peer)) {
                return canonicalPeer;
            }
            byte[] client = walk(headerValue, header == ClientIpHeader.FORWARDED);
            return client == null ? canonicalPeer : IpAddress.format(client);
        } catch (RuntimeException e) {
            return peerAddress; // defensive: resolution must never fail a request
        }
    }

    /**
     * As {@link #resolve(String, String)} with the configured header's value taken from the two; the other one is
     * ignored, whatever it says.
     *
     * @param xForwardedFor the X-Forwarded-For value (several header lines joined with ","), or null
     * @param forwarded the RFC 7239 Forwarded value (several lines joined with ","), or null
     */
    public String resolve(String peerAddress, String xForwardedFor, String forwarded) {
        return resolve(peerAddress, header == ClientIpHeader.FORWARDED ? forwarded : xForwardedFor);
    }

    /**
     * The canonical text of an address (dotted quad, or RFC 5952 IPv6; brackets, port and zone dropped,
     * IPv4-mapped reduced to IPv4), the form {@link #resolve} returns; the input as given when it is not an address.
     * For a caller that uses the peer address as a key or writes it on, without resolving: Java reports an IPv6
     * peer as "2001:db8:0:0:0:0:0:1", which would otherwise be a different key from the "2001:db8::1" that
     * {@code resolve} gives for the same client.
     */
    public static String canonical(String address) {
        if (address == null) {
            return null;
        }
        try {
            byte[] parsed = IpAddress.parseHop(address, 0, address.length());
            return parsed == null ? address : canonical(address, parsed);
        } catch (RuntimeException e) {
            return address; // defensive, as resolve()
        }
    }

    /** {@code text} itself when it is already a plain dotted quad (the common case: no copy), else formatted. */
    private static String canonical(String text, byte[] address) {
        if (address.length == 4) {
            boolean plain = true;
            for (int i = 0; i < text.length() && plain; i++) {
                char c = text.charAt(i);
                plain = c == '.' || c >= '0' && c <= '9';
            }
            if (plain) {
                return text; // it parsed, so it has four octets without leading zeros: canonical already
            }
        }
        return IpAddress.format(address);
    }

    /**
     * True when {@code address} (IPv4, IPv6, IPv4-mapped IPv6; brackets, a port and an IPv6 zone are accepted) lies
     * in a trusted CIDR: whether a peer's X-Forwarded-* headers may be believed. Malformed or null input is not
     * trusted; never throws, never resolves DNS.
     */
    public boolean isTrusted(String address) {
        if (address == null || trusted.isEmpty()) {
            return false;
        }
        try {
            byte[] parsed = IpAddress.parseHop(address, 0, address.length());
            return parsed != null && isTrusted(parsed);
        } catch (RuntimeException e) {
            return false; // defensive, as resolve(): a trust check must never fail a request
        }
    }

    boolean isTrusted(byte[] address) {
        for (Cidr cidr : trusted) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Right to left over the header's elements: the first untrusted hop wins; all trusted gives the left-most. Empty
     * elements are skipped (RFC 9110 §5.6.1). Only the last {@link #MAX_HEADER_LENGTH} characters are read, and
     * nothing left of the first untrusted hop is parsed, so whatever a client wrote there (garbage, an unbalanced
     * quote, any length) cannot change the answer. X-Forwarded-For elements are addresses; Forwarded elements (RFC
     * 7239: pairs separated by ";", quoted strings allowed, commas inside them not separators) carry it in for=.
     */
    private byte[] walk(String header, boolean forwarded) {
        int floor = Math.max(0, header.length() - MAX_HEADER_LENGTH);
        int end = header.length();
        byte[] leftMost = null;
        while (true) {
            int comma = forwarded ? elementStart(header, end, floor) : lastComma(header, end, floor);
            if (comma == MALFORMED) {
                return null; // unbalanced quotes, or an element reaching past what we read: we cannot know its start
            }
            if (!isBlank(header, comma + 1, end)) {
                byte[] hop = forwarded ? forwardedHop(header, comma + 1, end)
                        : IpAddress.parseHop(header, comma + 1, end);
                if (hop == null) {
                    // garbage, an element without for=, or an "unknown"/obfuscated id among the hops our proxies
                    // wrote: we cannot know the client
                    return null;
                }
                if (!isTrusted(hop)) {
                    return hop;
                }
                leftMost = hop;
            }
            if (comma < 0) {
                return leftMost;
            }
            end = comma;
        }
    }

    /** The Forwarded element {@code s[from, to)}'s for= address, or null. */
    private static byte[] forwardedHop(String s, int from, int to) {
        int[] forValue = forParameter(s, from, to);
        return forValue == null ? null : IpAddress.parseHop(s, forValue[0], forValue[1]);
    }

    /**
     * Index of the "," before the X-Forwarded-For element that ends at {@code end}; -1 when the element starts the
     * header; {@link #MALFORMED} when it starts before {@code floor}.
     */
    private static int lastComma(String s, int end, int floor) {
        for (int i = end - 1; i >= floor; i--) {
            if (s.charAt(i) == ',') {
                return i;
            }
        }
        return floor == 0 ? -1 : MALFORMED;
    }

    private static final int MALFORMED = Integer.MIN_VALUE;

    /**
     * Index of the "," before the Forwarded element that ends at {@code end}, read leftwards and skipping commas
     * inside quoted strings; -1 when the element starts the header; {@link #MALFORMED} when its quotes do not
     * balance or it starts before {@code floor}.
     */
    private static int elementStart(String s, int end, int floor) {
        boolean quoted = false;
        for (int i = end - 1; i >= floor; i--) {
            char c = s.charAt(i);
            if (c == '"' && !(quoted && escaped(s, i, floor))) {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                return i;
            }
        }
        return floor == 0 && !quoted ? -1 : MALFORMED;
    }

    /** Whether the quote at {@code i}, inside a quoted string, is a quoted-pair (an odd run of "\" before it). */
    private static boolean escaped(String s, int i, int floor) {
        int backslashes = 0;
        for (int j = i - 1; j >= floor && s.charAt(j) == '\\'; j--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    /** The for= value of the element {@code s[from, to)} as [start, end), or null when it has none. */
    private static int[] forParameter(String s, int from, int to) {
        boolean quoted = false;
        int pair = from;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ';') {
                int[] value = forValue(s, pair, i);
                if (value != null) {
                    return value;
                }
                pair = i + 1;
            }
        }
        return quoted ? null : forValue(s, pair, to);
    }

    private static int[] forValue(String s, int a, int b) {
        while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
            a++;
        }
        return b - a > 4 && s.regionMatches(true, a, "for=", 0, 4) ? new int[] {a + 4, b} : null;
    }

    private static boolean isBlank(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return true;
    }
}
