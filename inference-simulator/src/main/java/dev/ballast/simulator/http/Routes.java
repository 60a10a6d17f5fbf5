package dev.ballast.simulator.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Exact-path routing for the handful of endpoints the simulator serves (vertx-core has no router). */
public final class Routes implements Handler<HttpServerRequest> {

    private static final System.Logger LOG = System.getLogger(Routes.class.getName());

    private final Map<String, Map<HttpMethod, Handler<HttpServerRequest>>> byPath = new HashMap<>();

    public Routes add(HttpMethod method, String path, Handler<HttpServerRequest> handler) {
        byPath.computeIfAbsent(path, ignored -> new LinkedHashMap<>()).put(method, handler);
        return this;
    }

    @Override
    public void handle(HttpServerRequest request) {
        Map<HttpMethod, Handler<HttpServerRequest>> methods = byPath.get(request.path());
        if (methods == null) {
            Problems.send(request.response(), 404, "Not Found", "no endpoint at " + request.path());
            return;
        }
        Handler<HttpServerRequest> handler = methods.get(request.method());
        if (handler == null) {
            String allowed = methods.keySet().stream().map(HttpMethod::name).collect(Collectors.joining(", "));
            request.response().putHeader("Allow", allowed);
            Problems.send(request.response(), 405, "Method Not Allowed",
                    request.method() + " is not supported on " + request.path() + "; use " + allowed);
            return;
        }
        try {
            handler.handle(request);
        } catch (RuntimeException e) {
            // a bug must still answer, or the caller would wait forever like under the hang fault
            LOG.log(System.Logger.Level.ERROR, "handler for " + request.method() + " " + request.path() + " failed", e);
            if (!request.response().ended() && !request.response().headWritten()) {
                Problems.send(request.response(), 500, "Internal Server Error", String.valueOf(e.getMessage()));
            }
        }
    }
}
