package dev.ballast.exporter.collector;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import io.smallrye.health.api.Wellness;

/**
 * Shows each target's state in {@code /q/health/well} (and {@code /q/health}): DOWN with the last error
 * when a source such as Redis is unreachable. A wellness check, not readiness: the exporter keeps
 * serving the other sources and {@code up=0}, so it must stay in its Service while one source is down.
 */
@Wellness
@ApplicationScoped
public class CollectorHealth implements HealthCheck {

    private final TargetRuns runs;

    CollectorHealth(TargetRuns runs) {
        this.runs = runs;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("collectors").up();
        for (TargetRun<?> run : runs.all()) {
            TargetRun.State state = run.state();
            String key = run.collectorName() + "/" + run.target().name();
            if (state.up()) {
                builder.withData(key, "up");
            } else {
                builder.withData(key, "down (" + state.lastError() + ")");
                builder.down();
            }
        }
        return builder.build();
    }
}
