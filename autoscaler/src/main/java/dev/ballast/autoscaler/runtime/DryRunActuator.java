package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.engine.PodPhase;
import dev.ballast.autoscaler.engine.PodState;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Without Kubernetes (the local suite): each target is virtual. It starts at the policy's minReplicas, takes every
 * decision at once and has that many Running, Ready pods, so the loop behaves as on a cluster whose rollouts are
 * instant. Nothing outside the autoscaler changes.
 *
 * <p>Typed to its class only: the one {@link ScaleActuator} the loop gets is chosen by {@code ActuatorSelection}.
 */
@ApplicationScoped
@Typed(DryRunActuator.class)
public class DryRunActuator implements ScaleActuator {

    /** Virtual pods started long before any decision, so no readiness or CPU-initialization rule holds them back. */
    static final Instant VIRTUAL_START = Instant.EPOCH;

    private final Map<PolicyKey, Integer> replicas = new ConcurrentHashMap<>();

    @Override
    public CurrentScale read(PolicyKey key, ScalingPolicySpec spec) {
        int n = replicas.computeIfAbsent(key, k -> spec.effectiveMinReplicas());
        List<PodState> pods = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            pods.add(new PodState(spec.scaleTargetRef().name() + "-virtual-" + i, PodPhase.RUNNING, Boolean.TRUE, false,
                    VIRTUAL_START, VIRTUAL_START, null, 30, Map.of(), Map.of(), Map.of(), null));
        }
        return new CurrentScale(n, n, pods);
    }

    @Override
    public void scale(PolicyKey key, ScalingPolicySpec spec, int n) {
        replicas.put(key, n);
    }

    @Override
    public boolean dryRun() {
        return true;
    }

    /** Sets the virtual size (a restored state, or a test's starting point). */
    public void set(PolicyKey key, int n) {
        replicas.put(key, n);
    }

    /** The virtual size, or null before the first read. */
    public Integer current(PolicyKey key) {
        return replicas.get(key);
    }

    @Override
    public void forget(PolicyKey key) {
        replicas.remove(key);
    }
}
