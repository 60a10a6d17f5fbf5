package dev.ballast.exporter.intake;

import dev.ballast.exporter.metrics.LabelLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Produces the one event aggregator; it is also a sample source of {@code /q/metrics}. */
@ApplicationScoped
public class IntakeSetup {

    @Produces
    @Singleton
    EventAggregator eventAggregator(LabelLimiter limiter) {
        return new EventAggregator(limiter);
    }
}
