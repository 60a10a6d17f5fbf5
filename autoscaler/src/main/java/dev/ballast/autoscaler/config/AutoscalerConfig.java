package dev.ballast.autoscaler.config;

import dev.ballast.autoscaler.engine.EngineSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ballast.autoscaler.*}: the cluster-wide knobs the HPA takes as kube-controller-manager flags, with the
 * same defaults.
 */
@ConfigMapping(prefix = "ballast.autoscaler")
public interface AutoscalerConfig {

    /** --horizontal-pod-autoscaler-cpu-initialization-period. */
    @WithDefault("5m")
    Duration cpuInitializationPeriod();

    /** --horizontal-pod-autoscaler-initial-readiness-delay. */
    @WithDefault("30s")
    Duration initialReadinessDelay();

    /** --horizontal-pod-autoscaler-tolerance, used where behavior sets no tolerance. */
    @WithDefault("0.1")
    double tolerance();

    /** --horizontal-pod-autoscaler-downscale-stabilization, the legacy path's window. */
    @WithDefault("5m")
    Duration downscaleStabilization();

    /**
     * Budget groups by name ({@code ballast.autoscaler.budget-groups."gpu-pool".max-replicas=40}): the most replicas
     * the policies naming the group may have together.
     */
    Map<String, BudgetGroup> budgetGroups();

    interface BudgetGroup {
        int maxReplicas();
    }

    /**
     * Policies in the ScalingPolicy schema (YAML, several documents separated by {@code ---}) for running without
     * Kubernetes: a file path, or {@code classpath:path/in/jar.yaml}. Unset: no policies are loaded from a file.
     */
    Optional<String> policiesFile();

    /** Namespace given to file policies whose metadata names none. */
    @WithDefault("default")
    String defaultNamespace();

    /** The runtime loop: scheduling, metric fetches and the actuator. */
    Runtime runtime();

    interface Runtime {
        /** Whether the scheduler ticks policies on its own (tests turn it off and tick by hand). */
        @WithDefault("true")
        boolean schedulerEnabled();

        /** The most metric fetches in flight at once, across all policies. */
        @WithDefault("8")
        int fetchConcurrency();

        /** How long one metric fetch may take before it counts as missing data. */
        @WithDefault("5s")
        Duration fetchTimeout();

        /** Prometheus used by sources that name no serverAddress. */
        @WithDefault("http://127.0.0.1:9090")
        String prometheusUrl();
    }

    /**
     * The cluster side: where policies come from and where decisions go. Off (the default, and the local suite):
     * policies from {@link #policiesFile()}, decisions computed and shown but applied by the dry-run actuator only.
     */
    Kubernetes kubernetes();

    interface Kubernetes {
        /** On: watch ScalingPolicy objects, scale through the scale subresource, write status and Events. */
        @WithDefault("false")
        boolean enabled();

        /** Field manager of every write (server-side apply and patches), as the HPA writes as its controller name. */
        @WithDefault("ballast-autoscaler")
        String fieldManager();

        /** Namespaces whose ScalingPolicy objects are watched (one informer each); unset: all namespaces. */
        Optional<java.util.List<String>> namespaces();

        /** How often the policy informer re-delivers every object it holds (0: never; the watch alone keeps it current). */
        @WithDefault("10m")
        Duration informerResync();
    }

    /** One acting replica among several (a coordination.k8s.io Lease); followers still answer the read API. */
    LeaderElection leaderElection();

    interface LeaderElection {
        /** Only meaningful with kubernetes.enabled; off, this replica always acts. */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("ballast-autoscaler")
        String leaseName();

        /** Namespace of the Lease; unset: the pod's own namespace (the service account's), else "default". */
        Optional<String> leaseNamespace();

        /** client-go's defaults (kube-controller-manager): 15 s lease, 10 s renew deadline, 2 s retry period. */
        @WithDefault("15s")
        Duration leaseDuration();

        @WithDefault("10s")
        Duration renewDeadline();

        @WithDefault("2s")
        Duration retryPeriod();

        /** Holder identity; unset: the pod name (HOSTNAME) plus a random suffix. */
        Optional<String> identity();
    }

    /** Durable state (histories, last scale times, overrides, virtual replicas) kept in Redis. */
    State state();

    interface State {
        /** Keep state in Redis (quarkus.redis.hosts); off, or while Redis fails, it lives in memory only (degraded). */
        @WithDefault("true")
        boolean redis();

        /** Prefix of the one key per policy: {@code <prefix><namespace>/<name>}. */
        @WithDefault("ballast:autoscaler:state:")
        String keyPrefix();
    }

    default EngineSettings engineSettings() {
        return new EngineSettings(cpuInitializationPeriod(), initialReadinessDelay(), tolerance(), downscaleStabilization());
    }
}
