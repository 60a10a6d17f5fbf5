package dev.ballast.lb.clientip;

/**
 * Allocation-light, DNS-free parsing and formatting of IPv4/IPv6 literals ({@link java.net.InetAddress} would try
 * to resolve anything that is not a literal). IPv4-mapped IPv6 addresses are reduced to IPv4, so a dual-stack
 * listener and a plain IPv4 one give the same client key.
 */
public final class IpAddress {

    private IpAddress() {
    }

    /** Parses an address literal (no brackets, no port, no zone); null when malformed. 4 or 16 bytes. */
    public static byte[] parse(CharSequence text) {
        return text == null ? null : parse(text, 0, text.length());
    }

    /** Parses {@code text[from, to)}; null when malformed. */
    public static byte[] parse(CharSequence text, int from, int to) {
        if (from >= to || to - from > 45) {
            return null;
        }
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == ':') {
                byte[] v6 = parseV6(text, from, to);
                return v6 == null ? null : unmap(v6);
            }
        }
        byte[] v4 = new byte[4];
        return parseV4(text, from, to, v4, 0) ? v4 : null;
    }

    private static boolean parseV4(CharSequence s, int from, int to, byte[] out, int offset) {
        int octet = 0;
        int value = 0;
        int digits = 0;
        for (int i = from; i <= to; i++) {
            char c = i < to ? s.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                if (digits == 1 && value == 0) {
                    return false; // leading zero: ambiguous (octal in some parsers)
                }
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255) {
                    return false;
                }
            } else if (c == '.') {
                if (digits == 0 || octet == 4) {
                    return false;
                }
                out[offset + octet++] = (byte) value;
                value = 0;
                digits = 0;
            } else {
                return false;
            }
        }
        return octet == 4;
    }

    private static byte[] parseV6(CharSequence s, int from, int to) {
        byte[] out = new byte[16];
        int groups = 0;
        int gap = -1;
        int i = from;
        if (s.charAt(i) == ':') {
            if (to - i < 2 || s.charAt(i + 1) != ':') {
                return null;
            }
            gap = 0;
            i += 2;
            if (i == to) {
                return out; // "::"
            }
        }
        while (i < to) {
            if (groups == 8) {
                return null;
            }
            int start = i;
            int value = 0;
            while (i < to && hex(s.charAt(i)) >= 0 && i - start < 4) {
                value = (value << 4) | hex(s.charAt(i));
                i++;
            }
            if (i < to && s.charAt(i) == '.') {
                // embedded IPv4 in the last 32 bits
                if (groups > 6 || !parseV4(s, start, to, out, groups * 2)) {
                    return null;
                }
                groups += 2;
                i = to;
                break;
            }
            if (i == start) {
                return null;
            }
            out[groups * 2] = (byte) (value >>> 8);
            out[groups * 2 + 1] = (byte) value;
            groups++;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < to && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = groups;
                i++;
                if (i == to) {
                    break;
                }
            } else if (i == to) {
                return null; // trailing single colon
            }
        }
        if (gap < 0) {
            return groups == 8 ? out : null;
        }
        if (groups == 8) {
            return null;
        }
        int tail = (groups - gap) * 2;
        System.arraycopy(out, gap * 2, out, 16 - tail, tail);
        java.util.Arrays.fill(out, gap * 2, 16 - tail, (byte) 0);
        return out;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static byte[] unmap(byte[] v6) {
        for (int i = 0; i < 10; i++) {
            if (v6[i] != 0) {
                return v6;
            }
        }
        if (v6[10] != (byte) 0xff || v6[11] != (byte) 0xff) {
            return v6;
        }
        return new byte[] {v6[12], v6[13], v6[14], v6[15]};
    }

    /** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
    public static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "."
                    + (address[3] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int g = 0; g < 8; ) {
            if (group(address, g) != 0) {
                g++;
                continue;
            }
            int start = g;
            while (g < 8 && group(address, g) == 0) {
                g++;
            }
            if (g - start > bestLength && g - start >= 2) {
                bestStart = start;
                bestLength = g - start;
            }
        }
        StringBuilder sb = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                sb.append("::");
                g += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(group(address, g)));
        }
        return sb.toString();
    }

    private static int group(byte[] a, int g) {
        return ((a[g * 2] & 0xff) << 8) | (a[g * 2 + 1] & 0xff);
    }

    /**
     * Strips what proxies wrap around an address in X-Forwarded-For and Forwarded: quotes, brackets and a port
     * ("[2001:db8::1]:443", "192.0.2.1:8080"), and an IPv6 zone ("fe80::1%eth0", "[fe80::1%2]:443"), which is how
     * Java reports a link-local peer. Returns the parsed address or null.
     *
     * <p>The zone is dropped, not kept: it names an interface of the host that wrote it, not part of the client's
     * address, so the same link-local client gives the same bytes (and the same canonical text, the same hash and
     * rate-limit key) whichever way it is written.
     */
    public static byte[] parseHop(CharSequence s, int from, int to) {
        while (from < to && isSpace(s.charAt(from))) {
            from++;
        }
        while (to > from && isSpace(s.charAt(to - 1))) {
            to--;
        }
        if (to - from >= 2 && s.charAt(from) == '"' && s.charAt(to - 1) == '"') {
            from++;
            to--;
        }
        if (from < to && s.charAt(from) == '[') {
            int close = -1;
            for (int i = from + 1; i < to; i++) {
                if (s.charAt(i) == ']') {
                    close = i;
                    break;
                }
            }
            if (close < 0 || (close + 1 < to && !isPort(s, close + 1, to))) {
                return null;
            }
            byte[] a = parse(s, from + 1, withoutZone(s, from + 1, close));
            return a != null && a.length == 16 || a != null && a.length == 4 ? a : null;
        }
        int colons = 0;
        int lastColon = -1;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == ':') {
                colons++;
                lastColon = i;
            }
        }
        if (colons == 1) {
            // IPv4 with port
            if (!isPort(s, lastColon, to)) {
                return null;
            }
            byte[] a = parse(s, from, lastColon);
            return a != null && a.length == 4 ? a : null;
        }
        return parse(s, from, colons == 0 ? to : withoutZone(s, from, to));
    }

    /** Longest zone accepted; Linux interface names have at most 15 characters, numeric zones fewer. */
    private static final int MAX_ZONE_LENGTH = 64;

    /**
     * End of the address in an IPv6 literal {@code s[from, to)} that may end in "%zone" (RFC 4007 §11): the index of
     * the "%", or {@code to} without a zone. A malformed zone (empty, too long, or with separators in it) gives
     * {@code from}, which no parse accepts.
     */
    private static int withoutZone(CharSequence s, int from, int to) {
        boolean colon = false;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == ':') {
                colon = true;
            }
            if (c != '%') {
                continue;
            }
            if (!colon || i + 1 == to || to - i - 1 > MAX_ZONE_LENGTH) {
                return from;
            }
            for (int j = i + 1; j < to; j++) {
                char z = s.charAt(j);
                if (z <= ' ' || z >= 0x7f || z == '%' || z == ':' || z == '"' || z == ',' || z == ';' || z == '['
                        || z == ']') {
                    return from;
                }
            }
            return i;
        }
        return to;
    }

    private static boolean isPort(CharSequence s, int colon, int to) {
        if (s.charAt(colon) != ':' || colon + 1 >= to) {
            return false;
        }
        if (s.charAt(colon + 1) == '_') {
            return isObfuscatedPort(s, colon + 2, to);
        }
        if (to - colon > 6) {
            return false;
        }
        for (int i = colon + 1; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Longest obfuscated port accepted (RFC 7239 sets no limit; real ones are short tokens). */
    private static final int MAX_OBFUSCATED_PORT_LENGTH = 64;

    /**
     * RFC 7239 §6.3 obfport: "_" 1*(ALPHA / DIGIT / "." / "_" / "-"), a proxy hiding the client's port. The address
     * is still the client's, so it counts (only an obfuscated address, for=_hidden, says nothing).
     */
    private static boolean isObfuscatedPort(CharSequence s, int from, int to) {
        if (from >= to || to - from > MAX_OBFUSCATED_PORT_LENGTH) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }
}
