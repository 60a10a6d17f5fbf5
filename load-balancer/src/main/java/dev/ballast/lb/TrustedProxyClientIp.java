package dev.ballast.lb;

import dev.ballast.lb.clientip.Cidr;
import dev.ballast.lb.clientip.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Resolves the real client address behind trusted proxies: from a trusted peer, the right-most address in RFC 7239
 * {@code Forwarded} (preferred when present) or {@code X-Forwarded-For} that is not itself a trusted proxy (nginx
 * realip with real_ip_recursive on; the only entry a client cannot forge). Headers from an untrusted peer are
 * ignored. Never throws: malformed input resolves to the peer address.
 */
public final class TrustedProxyClientIp {

    /** Longest header we look at; a longer one is treated as malformed rather than scanned. */
    static final int MAX_HEADER_LENGTH = 8192;

    private final List<Cidr> trusted;

    private TrustedProxyClientIp(List<Cidr> trusted) {
        this.trusted = trusted;
    }

    /** Parses the trusted CIDRs ("10.0.0.0/8", "fd00::/8", "127.0.0.1"); IAE names the first bad one. */
    public static TrustedProxyClientIp of(List<String> trustedCidrs) {
        Objects.requireNonNull(trustedCidrs, "trustedCidrs");
        List<Cidr> parsed = new ArrayList<>(trustedCidrs.size());
        for (String cidr : trustedCidrs) {
            parsed.add(Cidr.parse(cidr));
        }
        return new TrustedProxyClientIp(List.copyOf(parsed));
    }

    /** No trusted proxies: the peer address is always the client. */
    public static TrustedProxyClientIp none() {
        return new TrustedProxyClientIp(List.of());
    }

    public List<String> trustedCidrs() {
        return trusted.stream().map(Cidr::text).toList();
    }

    /**
     * @param peerAddress the TCP peer (the address the gateway's socket sees), without port
     * @param xForwardedFor the X-Forwarded-For value (several header lines joined with ","), or null
     * @param forwarded the RFC 7239 Forwarded value (several lines joined with ","), or null
     * @return the client address in canonical text form; the peer as given when it cannot be parsed
     */
    public String resolve(String peerAddress, String xForwardedFor, String forwarded) {
        try {
            byte[] peer = IpAddress.parseHop(peerAddress == null ? "" : peerAddress, 0,
                    peerAddress == null ? 0 : peerAddress.length());
            if (peer == null) {
                return peerAddress;
            }
            String canonicalPeer = IpAddress.format(peer);
            if (!isTrusted(peer)) {
                return canonicalPeer;
            }
            byte[] client = null;
            if (forwarded != null && !forwarded.isBlank()) {
                client = walkForwarded(forwarded);
            } else if (xForwardedFor != null && !xForwardedFor.isBlank()) {
                client = walkForwardedFor(xForwardedFor);
            }
            return client == null ? canonicalPeer : IpAddress.format(client);
        } catch (RuntimeException e) {
            return peerAddress; // defensive: resolution must never fail a request
        }
    }

    /**
     * True when {@code address} (IPv4, IPv6, IPv4-mapped IPv6; brackets and a port are accepted) lies in a trusted
     * CIDR: whether a peer's X-Forwarded-* headers may be believed. Malformed or null input is not trusted; never
     * throws, never resolves DNS.
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

    /** Right to left over comma-separated hops: first untrusted wins; all trusted gives the left-most. */
    private byte[] walkForwardedFor(String header) {
        if (header.length() > MAX_HEADER_LENGTH) {
            return null;
        }
        int end = header.length();
        byte[] leftMost = null;
        while (end >= 0) {
            int start = header.lastIndexOf(',', end - 1) + 1;
            if (!isBlank(header, start, end)) {
                byte[] hop = IpAddress.parseHop(header, start, end);
                if (hop == null) {
                    return null; // a garbage hop next to trusted ones: we cannot know the client
                }
                if (!isTrusted(hop)) {
                    return hop;
                }
                leftMost = hop;
            }
            if (start == 0) {
                break;
            }
            end = start - 1;
        }
        return leftMost;
    }

    /** RFC 7239: elements separated by ",", pairs by ";", we need each element's for= (quoted strings allowed). */
    private byte[] walkForwarded(String header) {
        if (header.length() > MAX_HEADER_LENGTH) {
            return null;
        }
        List<int[]> elements = splitOutsideQuotes(header, ',');
        if (elements == null) {
            return null;
        }
        byte[] leftMost = null;
        for (int e = elements.size() - 1; e >= 0; e--) {
            int[] range = elements.get(e);
            int[] forValue = forParameter(header, range[0], range[1]);
            if (forValue == null) {
                return null; // an element without for= (or with "unknown"/obfuscated ids): stop trusting
            }
            byte[] hop = IpAddress.parseHop(header, forValue[0], forValue[1]);
            if (hop == null) {
                return null;
            }
            if (!isTrusted(hop)) {
                return hop;
            }
            leftMost = hop;
        }
        return leftMost;
    }

    private static int[] forParameter(String s, int from, int to) {
        List<int[]> pairs = splitOutsideQuotes(s.substring(0, to), ';', from);
        if (pairs == null) {
            return null;
        }
        for (int[] pair : pairs) {
            int a = pair[0];
            int b = pair[1];
            while (a < b && (s.charAt(a) == ' ' || s.charAt(a) == '\t')) {
                a++;
            }
            if (b - a > 4 && s.regionMatches(true, a, "for=", 0, 4)) {
                return new int[] {a + 4, b};
            }
        }
        return null;
    }

    private static List<int[]> splitOutsideQuotes(String s, char separator) {
        return splitOutsideQuotes(s, separator, 0);
    }

    private static List<int[]> splitOutsideQuotes(String s, char separator, int from) {
        List<int[]> parts = new ArrayList<>();
        boolean quoted = false;
        int start = from;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '\\' && quoted) {
                i++;
            } else if (c == separator && !quoted) {
                parts.add(new int[] {start, i});
                start = i + 1;
            }
        }
        if (quoted) {
            return null;
        }
        parts.add(new int[] {start, s.length()});
        return parts;
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
