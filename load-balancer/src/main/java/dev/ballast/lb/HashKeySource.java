package dev.ballast.lb;

import java.util.Objects;

/**
 * Where the gateway takes the consistent-hash key from (the library only sees the extracted value in
 * {@link PickContext#hashKey()}). Compare nginx {@code hash $binary_remote_addr consistent},
 * HAProxy {@code balance hdr(name)}, Envoy hash_policy header/cookie.
 */
public record HashKeySource(Kind kind, String name) {

    public enum Kind { CLIENT_IP, HEADER, COOKIE }

    public HashKeySource {
        Objects.requireNonNull(kind, "kind");
        if (kind != Kind.CLIENT_IP && (name == null || name.isBlank())) {
            throw new IllegalArgumentException("hash key source " + kind + " needs a " + kind.name().toLowerCase()
                    + " name");
        }
        if (kind == Kind.CLIENT_IP) {
            name = null;
        }
    }

    public static HashKeySource clientIp() {
        return new HashKeySource(Kind.CLIENT_IP, null);
    }

    public static HashKeySource header(String name) {
        return new HashKeySource(Kind.HEADER, name);
    }

    public static HashKeySource cookie(String name) {
        return new HashKeySource(Kind.COOKIE, name);
    }

    @Override
    public String toString() {
        return kind == Kind.CLIENT_IP ? "client-ip" : kind.name().toLowerCase() + ":" + name;
    }
}
