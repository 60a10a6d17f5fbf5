package dev.ballast.autoscaler.runtime;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;
import java.util.Set;

/** A test profile with the manual {@link TestClock} and the given configuration (subclasses name the scenario). */
public abstract class ClockedProfile implements QuarkusTestProfile {

    private final Map<String, String> config;

    protected ClockedProfile(Map<String, String> config) {
        this.config = Map.copyOf(config);
    }

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(TestClock.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return config;
    }
}
