import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** NOT PRODUCT CODE: the header work the Vert.x-based floor proxies share (hop-by-hop names, X-Forwarded-For, X-Request-Id). */
final class FloorHeaders {

    private FloorHeaders() {
    }

    /** The request's headers minus hop-by-hop ones, plus X-Forwarded-For and (when absent) X-Request-Id. */
    static void forward(HttpServerRequest request, MultiMap to) {
        for (Map.Entry<String, String> h : request.headers()) {
            if (!hopByHop(h.getKey())) {
                to.add(h.getKey(), h.getValue());
            }
        }
        to.set("x-forwarded-for", forwardedFor(request.getHeader("x-forwarded-for"),
                request.remoteAddress().hostAddress()));
        if (!to.contains("x-request-id")) {
            to.set("x-request-id", requestId());
        }
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
