package dev.ballast.gateway.health;

import dev.ballast.gateway.GatewayRuntime;
import dev.ballast.gateway.config.GatewaySettings.ReadinessMode;
import dev.ballast.gateway.config.RouteSettings;
import dev.ballast.lb.PoolState;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Gateway readiness (/q/health/ready on the management port): by default ready when every route's upstream has
 * at least one usable endpoint, so a load balancer in front stops sending traffic a gateway could only 503.
 */
@Readiness
@ApplicationScoped
public class GatewayReadiness implements HealthCheck {

    private final GatewayRuntime runtime;

    GatewayReadiness(GatewayRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        ReadinessMode mode = runtime.settings().readiness();
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("gateway-routes").withData("mode",
                mode.name().toLowerCase().replace('_', '-'));
        int usableRoutes = 0;
        int routes = 0;
        for (RouteSettings route : runtime.settings().routes()) {
            PoolState state = runtime.upstreams().get(route.upstream()).pool().state();
            boolean usable = state.usable() > 0;
            builder.withData(route.name(), route.upstream() + ": " + state.usable() + "/" + state.total()
                    + " usable");
            routes++;
            if (usable) {
                usableRoutes++;
            }
        }
        // Redis away never makes the gateway unready (the local share decides); it is only reported.
        if (runtime.rateLimiter() != null) {
            builder.withData("rate-limit", runtime.rateLimiter().redisUp() ? "redis" : "local fallback");
        }
        boolean up = switch (mode) {
            case ALWAYS -> true;
            case ANY_ROUTE -> routes == 0 || usableRoutes > 0;
            case ALL_ROUTES -> usableRoutes == routes;
        };
        return builder.status(up).build();
    }
}
