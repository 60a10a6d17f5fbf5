package dev.ballast.gateway.discovery;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports discovery in readiness data without ever failing it: an unreachable API server leaves the last known
 * endpoints serving, and whether the routes have usable endpoints is the gateway-routes check's job.
 */
@Readiness
@ApplicationScoped
public class DiscoveryHealth implements HealthCheck {

    private final KubernetesEndpointSlices discovery;

    DiscoveryHealth(KubernetesEndpointSlices discovery) {
        this.discovery = discovery;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("gateway-discovery").up();
        discovery.synced().forEach((upstream, synced) -> builder.withData(upstream, synced
                ? "kubernetes: synced" : "kubernetes: not synced, last known endpoints serve ("
                + discovery.watchErrors(upstream) + " watch errors)"));
        return builder.build();
    }
}
