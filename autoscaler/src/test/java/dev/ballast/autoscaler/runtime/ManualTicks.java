package dev.ballast.autoscaler.runtime;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;
import java.util.Set;

/**
 * Runtime tests tick by hand on a {@link TestClock}: the scheduler creates no jobs, and the policies file holds the
 * queue policy of {@link RedisQueueScalingTest}.
 */
public class ManualTicks implements QuarkusTestProfile {

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(TestClock.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("ballast.autoscaler.runtime.scheduler-enabled", "false",
                "ballast.autoscaler.policies-file", "classpath:runtime/queue-policies.yaml");
    }
}
