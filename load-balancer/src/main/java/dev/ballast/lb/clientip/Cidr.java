package dev.ballast.lb.clientip;

/** An address block ("10.0.0.0/8", "2001:db8::/32", or a single address); matching is by prefix bits. */
public record Cidr(byte[] network, int prefixLength, String text) {

    /** Parses a CIDR; throws IllegalArgumentException naming the bad value. */
    public static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("trusted proxy CIDR must not be blank");
        }
        String t = text.strip();
        int slash = t.indexOf('/');
        byte[] address = IpAddress.parse(t, 0, slash < 0 ? t.length() : slash);
        if (address == null) {
            throw new IllegalArgumentException("trusted proxy CIDR '" + text
                    + "' is not an IPv4 or IPv6 address/prefix");
        }
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            boolean mapped = address.length == 4 && t.indexOf(':') >= 0;
            if (mapped) {
                prefix -= 96; // ::ffff:10.0.0.0/104 is 10.0.0.0/8
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("trusted proxy CIDR '" + text + "' has a prefix length outside 0.."
                        + (mapped ? 128 : bits));
            }
        }
        byte[] network = address.clone();
        for (int i = 0; i < network.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            network[i] &= (byte) (0xff00 >>> keep);
        }
        return new Cidr(network, prefix, t);
    }

    public boolean contains(byte[] address) {
        if (address == null || address.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff00 >>> rest) & 0xff;
        return (address[full] & mask) == (network[full] & 0xff);
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && java.util.Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(network) * 31 + prefixLength;
    }
}
