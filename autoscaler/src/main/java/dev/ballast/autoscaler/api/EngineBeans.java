package dev.ballast.autoscaler.api;

import dev.ballast.autoscaler.engine.DecisionEngine;
import dev.ballast.autoscaler.config.AutoscalerConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;

/** Exposes the pure engine and the clock to the HTTP edge (the clock is replaceable in tests). */
class EngineBeans {

    @Produces
    @Singleton
    DecisionEngine engine(AutoscalerConfig config) {
        return new DecisionEngine(config.engineSettings());
    }

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
