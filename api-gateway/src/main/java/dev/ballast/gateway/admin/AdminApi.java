package dev.ballast.gateway.admin;

import dev.ballast.gateway.GatewayRuntime;
import dev.ballast.gateway.config.RouteSettings;
import dev.ballast.gateway.config.TimeoutSettings;
import dev.ballast.gateway.proxy.Problem;
import dev.ballast.gateway.upstream.UpstreamRuntime;
import dev.ballast.lb.EndpointState;
import dev.ballast.lb.PoolState;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Optional;

/**
 * The admin API on the management port: upstream and route state, drain and undrain of endpoints. Every call
 * needs "Authorization: Bearer &lt;token&gt;" when ballast.gateway.admin.token is set.
 */
@Singleton
public class AdminApi {

    private static final Logger LOG = Logger.getLogger(AdminApi.class);

    private final GatewayRuntime runtime;
    private final Optional<byte[]> token;

    AdminApi(GatewayRuntime runtime) {
        this.runtime = runtime;
        this.token = runtime.settings().adminToken().map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    void register(@Observes ManagementInterface management) {
        Router router = management.router();
        router.route("/admin/*").order(-100).handler(this::authorize);
        router.get("/admin/upstreams").handler(this::upstreams);
        router.get("/admin/routes").handler(this::routes);
        router.post("/admin/upstreams/:upstream/endpoints/:endpoint/drain").handler(rc -> drain(rc, true));
        router.post("/admin/upstreams/:upstream/endpoints/:endpoint/undrain").handler(rc -> drain(rc, false));
    }

    private void authorize(RoutingContext rc) {
        if (token.isEmpty()) {
            rc.next();
            return;
        }
        String header = rc.request().getHeader("authorization");
        byte[] presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(presented, token.get())) {
            rc.response().putHeader("www-authenticate", "Bearer realm=\"ballast-gateway-admin\"");
            Problem.send(rc.response(), 401, "unauthorized", "Unauthorized",
                    "The admin API needs 'Authorization: Bearer <ballast.gateway.admin.token>'", null, null);
            return;
        }
        rc.next();
    }

    private void upstreams(RoutingContext rc) {
        JsonArray upstreams = new JsonArray();
        for (UpstreamRuntime upstream : runtime.upstreams().all()) {
            upstreams.add(upstreamJson(upstream));
        }
        json(rc, 200, new JsonObject().put("upstreams", upstreams));
    }

    private static JsonObject upstreamJson(UpstreamRuntime upstream) {
        PoolState state = upstream.pool().state();
        JsonArray endpoints = new JsonArray();
        for (EndpointState e : state.endpoints()) {
            endpoints.add(new JsonObject()
                    .put("id", e.id())
                    .put("host", e.host())
                    .put("port", e.port())
                    .put("zone", e.zone())
                    .put("health", e.health())
                    .put("activeHealthy", e.activeHealthy())
                    .put("draining", e.draining())
                    .put("ejectedUntil", e.ejectedUntilEpochMillis() == null ? null
                            : Instant.ofEpochMilli(e.ejectedUntilEpochMillis()).toString())
                    .put("ejectionCount", e.ejectionCount())
                    .put("weight", e.weight())
                    .put("effectiveWeight", e.effectiveWeight())
                    .put("inFlight", e.inFlight())
                    .put("consecutiveFailures", e.consecutiveFailures()));
        }
        return new JsonObject()
                .put("name", state.name())
                .put("strategy", state.strategy())
                .put("panic", state.panic())
                .put("usable", state.usable())
                .put("total", state.total())
                .put("activeRequests", upstream.activeRequests())
                .put("endpoints", endpoints);
    }

    private void routes(RoutingContext rc) {
        JsonArray routes = new JsonArray();
        for (RouteSettings route : runtime.routes().routes()) {
            TimeoutSettings t = route.timeouts();
            routes.add(new JsonObject()
                    .put("name", route.name())
                    .put("prefix", route.prefix())
                    .put("host", route.host())
                    .put("methods", new JsonArray(route.methods().stream().sorted().toList()))
                    .put("upstream", route.upstream())
                    .put("rewritePrefix", route.rewriteTo())
                    .put("idempotent", route.idempotent())
                    .put("maxBodySize", route.maxBodySize())
                    .put("timeouts", new JsonObject().put("connectMillis", t.connectMillis())
                            .put("responseHeadersMillis", t.responseHeadersMillis())
                            .put("idleMillis", t.idleMillis()).put("totalMillis", t.totalMillis()))
                    .put("retries", new JsonObject().put("maxTries", route.retries().maxTries())
                            .put("statuses", new JsonArray(route.retries().statuses().stream().sorted().toList()))));
        }
        json(rc, 200, new JsonObject().put("routes", routes));
    }

    private void drain(RoutingContext rc, boolean drain) {
        String upstreamName = rc.pathParam("upstream");
        String endpoint = rc.pathParam("endpoint");
        UpstreamRuntime upstream = runtime.upstreams().get(upstreamName);
        if (upstream == null) {
            Problem.send(rc.response(), 404, "unknown-upstream", "Not Found",
                    "No upstream named '" + upstreamName + "'", null, null);
            return;
        }
        boolean known = drain ? upstream.pool().drain(endpoint) : upstream.pool().undrain(endpoint);
        if (!known) {
            Problem.send(rc.response(), 404, "unknown-endpoint", "Not Found",
                    "Upstream '" + upstreamName + "' has no endpoint '" + endpoint + "'", null, null);
            return;
        }
        LOG.infof("Endpoint %s of upstream %s %s by the admin API", endpoint, upstreamName,
                drain ? "drained" : "undrained");
        json(rc, 200, upstreamJson(upstream));
    }

    private static void json(RoutingContext rc, int status, JsonObject body) {
        rc.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.toBuffer());
    }
}
