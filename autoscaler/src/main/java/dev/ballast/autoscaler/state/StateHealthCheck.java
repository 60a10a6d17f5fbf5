package dev.ballast.autoscaler.state;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports whether decision state is durable. Degraded (in memory) stays UP: the autoscaler still decides correctly,
 * it would only forget windows and cooldowns on a restart, so taking it out of service would be worse.
 */
@Readiness
@ApplicationScoped
public class StateHealthCheck implements HealthCheck {

    private final StateStore store;

    StateHealthCheck(StateStore store) {
        this.store = store;
    }

    @Override
    public HealthCheckResponse call() {
        String degraded = store.degraded();
        return HealthCheckResponse.named("autoscaler-state").up()
                .withData("state", degraded == null ? "durable (redis)" : "degraded")
                .withData("detail", degraded == null ? "stabilization windows and cooldowns survive restarts" : degraded)
                .build();
    }
}
