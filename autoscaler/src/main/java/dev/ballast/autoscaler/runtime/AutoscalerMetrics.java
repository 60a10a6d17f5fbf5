package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.MetricStatus;
import dev.ballast.autoscaler.policy.MetricSpec;
import dev.ballast.autoscaler.policy.MetricTarget;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The autoscaler's own meters ({@code ballast_autoscaler_*} in Prometheus), with the names the Prometheus rules and
 * Grafana boards expect. Labels are {@code policy_namespace} and {@code policy}: {@code namespace} is the scrape
 * target's. Counters are registered at 0 for every policy so that rate() and absent() work from the first scrape.
 */
@ApplicationScoped
public class AutoscalerMetrics {

    private final MeterRegistry meters;
    private final Map<PolicyKey, PolicyGauges> policies = new ConcurrentHashMap<>();
    private final AtomicInteger leader = new AtomicInteger(1);

    AutoscalerMetrics(MeterRegistry meters) {
        this.meters = meters;
        own(Gauge.builder("ballast.autoscaler.leader", leader, AtomicInteger::get)
                .description("1 on the instance that acts (holds the Lease, or runs alone without Kubernetes), else 0")
                .register(meters));
    }

    private final java.util.Set<io.micrometer.core.instrument.Meter> owned = ConcurrentHashMap.newKeySet();

    private <M extends io.micrometer.core.instrument.Meter> M own(M meter) {
        owned.add(meter);
        return meter;
    }

    /**
     * Removes this instance's meters on shutdown: a registry that outlives the application (the global one, or the
     * next application in the same JVM) must not keep gauges bound to this instance's state.
     */
    @jakarta.annotation.PreDestroy
    void removeMeters() {
        owned.forEach(meters::remove);
        owned.clear();
    }

    /** Live values of one policy's gauges. */
    static final class PolicyGauges {
        final Tags tags;
        volatile double current = Double.NaN;
        volatile double desired = Double.NaN;
        volatile double min;
        volatile double max;
        volatile double forecast = Double.NaN;
        volatile double override;
        volatile boolean forecastRegistered;
        final Map<String, double[]> metrics = new ConcurrentHashMap<>();

        PolicyGauges(Tags tags) {
            this.tags = tags;
        }
    }

    /** Registers the gauges and zeroed counters of a policy (idempotent). */
    public void register(PolicyKey key, ScalingPolicySpec spec) {
        PolicyGauges g = policies.computeIfAbsent(key, k -> {
            PolicyGauges created = new PolicyGauges(Tags.of("policy_namespace", k.namespace(), "policy", k.name()));
            gauge("ballast.autoscaler.policy.current.replicas", "scale.spec.replicas of the target", created, x -> x.current);
            gauge("ballast.autoscaler.policy.desired.replicas", "replicas the last decision asked for", created, x -> x.desired);
            gauge("ballast.autoscaler.policy.min.replicas", "minReplicas of the policy", created, x -> x.min);
            gauge("ballast.autoscaler.policy.max.replicas", "maxReplicas of the policy", created, x -> x.max);
            gauge("ballast.autoscaler.policy.override.active", "1 while a manual override pins the target", created, x -> x.override);
            for (String direction : new String[]{"up", "down"}) {
                scaleEvents(created.tags, direction);
            }
            // A failed read has no direction yet; a failed update was going up or down.
            scaleFailures(created.tags, "FailedGetScale", "none");
            scaleFailures(created.tags, "FailedUpdateScale", "up");
            scaleFailures(created.tags, "FailedUpdateScale", "down");
            return created;
        });
        g.min = spec.effectiveMinReplicas();
        g.max = spec.maxReplicas();
        for (MetricSpec m : spec.metrics()) {
            metricGauges(g, m.displayName());
            metricErrors(g.tags, m.displayName());
        }
    }

    /** Drops a policy's gauges when the policy is deleted. */
    public void forget(PolicyKey key) {
        PolicyGauges g = policies.remove(key);
        if (g != null) {
            meters.getMeters().stream().filter(m -> m.getId().getTags().containsAll(g.tags.stream().toList()))
                    .toList().forEach(meters::remove);
        }
    }

    void decided(PolicyKey key, ScalingPolicySpec spec, Decision d, boolean overridden) {
        PolicyGauges g = policies.get(key);
        if (g == null) {
            return;
        }
        g.current = d.rescale() ? d.desiredReplicas() : d.currentReplicas();
        g.desired = d.desiredReplicas();
        g.forecast = d.forecast() == null ? Double.NaN : d.forecast().replicas();
        if (d.forecast() != null && !g.forecastRegistered) {
            // absent, not NaN, until the policy has a forecast: the boards tell "no predictive scaling" by absence
            g.forecastRegistered = true;
            gauge("ballast.autoscaler.policy.forecast.replicas", "replicas the forecast asks for", g, x -> x.forecast);
        }
        g.override = overridden ? 1 : 0;
        for (MetricStatus m : d.metrics()) {
            double[] cell = metricGauges(g, m.name());
            cell[0] = m.error() != null ? Double.NaN : value(m);
            cell[1] = target(m.target());
        }
    }

    void scaled(PolicyKey key, String direction) {
        PolicyGauges g = policies.get(key);
        if (g != null) {
            scaleEvents(g.tags, direction).increment();
        }
    }

    /** {@code direction}: up or down for a failed update, none when the scale could not even be read. */
    void scaleFailed(PolicyKey key, String reason, String direction) {
        PolicyGauges g = policies.get(key);
        if (g != null) {
            scaleFailures(g.tags, reason, direction).increment();
        }
    }

    void metricFailed(PolicyKey key, String metric) {
        PolicyGauges g = policies.get(key);
        if (g != null) {
            metricErrors(g.tags, metric).increment();
        }
    }

    void decisionTook(PolicyKey key, long nanos) {
        own(Timer.builder("ballast.autoscaler.decision.duration")
                .description("One policy cycle: scale read, metric fetches, decision, rescale")
                .tags(Tags.of("policy_namespace", key.namespace(), "policy", key.name()))
                .register(meters)).record(nanos, TimeUnit.NANOSECONDS);
    }

    void tickSkipped(PolicyKey key) {
        own(Counter.builder("ballast.autoscaler.ticks.skipped")
                .description("Ticks skipped because the previous tick of the policy was still running")
                .tags(Tags.of("policy_namespace", key.namespace(), "policy", key.name()))
                .register(meters)).increment();
    }

    /** 1 while this instance acts, 0 on a follower. */
    public void leader(boolean leading) {
        leader.set(leading ? 1 : 0);
    }

    private double[] metricGauges(PolicyGauges g, String metric) {
        return g.metrics.computeIfAbsent(metric, name -> {
            double[] cell = {Double.NaN, Double.NaN};
            Tags tags = g.tags.and("metric", name);
            own(Gauge.builder("ballast.autoscaler.policy.metric.value", cell, c -> c[0]).tags(tags)
                    .description("The metric's current value as the HPA reports it (NaN while missing)").strongReference(true).register(meters));
            own(Gauge.builder("ballast.autoscaler.policy.metric.target", cell, c -> c[1]).tags(tags)
                    .description("The metric's target, in the same unit as its value").strongReference(true).register(meters));
            return cell;
        });
    }

    private void gauge(String name, String help, PolicyGauges g, java.util.function.ToDoubleFunction<PolicyGauges> f) {
        own(Gauge.builder(name, g, f).tags(g.tags).description(help).strongReference(true).register(meters));
    }

    private Counter scaleEvents(Tags tags, String direction) {
        return own(Counter.builder("ballast.autoscaler.scale.events").description("Rescales by direction")
                .tags(tags.and("direction", direction)).register(meters));
    }

    private Counter scaleFailures(Tags tags, String reason, String direction) {
        return own(Counter.builder("ballast.autoscaler.scale.failures")
                .description("Failed scale reads and updates, by reason and direction (none for a failed read)")
                .tags(tags.and("reason", reason).and("direction", direction)).register(meters));
    }

    private Counter metricErrors(Tags tags, String metric) {
        return own(Counter.builder("ballast.autoscaler.metric.errors").description("Cycles in which a metric could not be read")
                .tags(tags.and("metric", metric)).register(meters));
    }

    /** The value the status reports: utilization in percent, else the average or the plain value. */
    static double value(MetricStatus m) {
        if (m.currentAverageUtilization() != null) {
            return m.currentAverageUtilization();
        }
        if (m.currentAverageValue() != null) {
            return m.currentAverageValue().asDouble();
        }
        return m.currentValue() == null ? Double.NaN : m.currentValue().asDouble();
    }

    static double target(MetricTarget t) {
        if (t == null) {
            return Double.NaN;
        }
        if (t.averageUtilization() != null) {
            return t.averageUtilization();
        }
        if (t.averageValue() != null) {
            return t.averageValue().asDouble();
        }
        return t.value() == null ? Double.NaN : t.value().asDouble();
    }

    static String valueText(MetricStatus m) {
        if (m.currentAverageUtilization() != null) {
            return m.currentAverageUtilization() + "%";
        }
        if (m.currentAverageValue() != null) {
            return m.currentAverageValue().text();
        }
        return m.currentValue() == null ? "?" : m.currentValue().text();
    }

    static String targetText(MetricStatus m) {
        MetricTarget t = m.target();
        if (t == null) {
            return "?";
        }
        if (t.averageUtilization() != null) {
            return t.averageUtilization() + "%";
        }
        if (t.averageValue() != null) {
            return t.averageValue().text();
        }
        return t.value() == null ? "?" : t.value().text();
    }
}
