package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.state.StateStore;
import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.inject.Inject;

import java.time.Duration;

/**
 * Shared harness of the runtime tests that drive the loop by hand against a real redis-server: the loop's beans,
 * the manual clock, and policies loaded from {@code runtime/queue-policies.yaml}.
 */
abstract class QueueLoopTest {

    @Inject
    RedisDataSource redis;
    @Inject
    PolicyTicker ticker;
    @Inject
    DryRunActuator actuator;
    @Inject
    TestClock clock;
    @Inject
    PolicyRegistry registry;
    @Inject
    StateStore store;

    /** What a new process knows before its first tick: the policy as written in the file, nothing else. */
    void reloadPolicy(PolicyKey key) {
        ScalingPolicySpec spec = PoliciesFile.load("classpath:runtime/queue-policies.yaml", "default").get(key).spec();
        registry.remove(key);
        registry.upsert(key, spec);
        store.dropMemory();
        ticker.forgetRestored(key);
    }

    /** A fresh policy, empty Redis, the virtual target at {@code replicas}, and the clock an hour on. */
    void freshPolicy(PolicyKey key, int replicas) {
        reloadPolicy(key);
        redis.flushall();
        actuator.set(key, replicas);
        clock.advance(Duration.ofHours(1));
    }

    Decision tick(PolicyKey key, Duration after) {
        clock.advance(after);
        return ticker.tick(key).orElseThrow();
    }
}
