package dev.ballast.autoscaler.runtime;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;
import java.util.Set;

/** Manual ticks over the two policies of budget group gpu-pool (10 replicas) in {@code runtime/budget-policies.yaml}. */
public class BudgetGroupTicks implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(TestClock.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("ballast.autoscaler.runtime.scheduler-enabled", "false",
                "ballast.autoscaler.policies-file", "classpath:runtime/budget-policies.yaml",
                "ballast.autoscaler.budget-groups.\"gpu-pool\".max-replicas", "10");
    }
}
