import java.util.concurrent.ThreadLocalRandom;

/** NOT PRODUCT CODE: the header work the Vert.x-based floor proxies share (hop-by-hop names, X-Forwarded-For, X-Request-Id). */
final class FloorHeaders {

    private FloorHeaders() {
    }

    static boolean hopByHop(String name) {
        return name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("keep-alive")
                || name.equalsIgnoreCase("proxy-connection") || name.equalsIgnoreCase("te")
                || name.equalsIgnoreCase("upgrade") || name.equalsIgnoreCase("transfer-encoding");
    }

    static String forwardedFor(String xff, String peer) {
        return xff == null ? peer : xff + ", " + peer;
    }

    static String requestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong());
    }
}
