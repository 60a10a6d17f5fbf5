package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.engine.BudgetArbiter;
import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.DecisionEngine;
import dev.ballast.autoscaler.engine.DecisionInput;
import dev.ballast.autoscaler.engine.MetricReading;
import dev.ballast.autoscaler.engine.MetricStatus;
import dev.ballast.autoscaler.engine.Observation;
import dev.ballast.autoscaler.engine.PodState;
import dev.ballast.autoscaler.engine.ScalingHistory;
import dev.ballast.autoscaler.policy.BallastSpec;
import dev.ballast.autoscaler.policy.MetricSpec;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.OverrideRecord;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.registry.PolicyState;
import dev.ballast.autoscaler.source.MetricFetcher;
import dev.ballast.autoscaler.source.MetricQuery;
import dev.ballast.autoscaler.state.StateStore;
import dev.ballast.autoscaler.state.StoredState;
import dev.ballast.autoscaler.leader.Leadership;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One cycle of one policy, as the HPA's reconcileAutoscaler does it around the engine: read the scale, fetch the
 * metrics, decide, rescale, store the decision and its history. A tick that finds the previous one of the same policy
 * still running is skipped, never stacked.
 */
@ApplicationScoped
public class PolicyTicker {

    private static final Logger LOG = Logger.getLogger(PolicyTicker.class);
    /** Most points kept per forecast series: two daily seasons at a 15 s step, with room for the horizon. */
    static final int MAX_SERIES_POINTS = 12_000;
    /** Prometheus refuses range queries of more than 11,000 points per series. */
    static final int MAX_RANGE_POINTS = 11_000;

    private final PolicyRegistry registry;
    private final DecisionEngine engine;
    private final MetricFetcher fetcher;
    private final ScaleActuator actuator;
    /** The virtual targets, whose size is part of the persisted state. */
    private final DryRunActuator virtual;
    private final AutoscalerMetrics metrics;
    private final Clock clock;
    private final String defaultPrometheus;
    private final StateStore store;
    private final Leadership leadership;
    private final Event<PolicyDecided> decided;
    private final Map<String, AutoscalerConfig.BudgetGroup> budgetGroups;
    private final ConcurrentMap<PolicyKey, AtomicBoolean> running = new ConcurrentHashMap<>();
    private final java.util.Set<PolicyKey> restored = ConcurrentHashMap.newKeySet();
    private final java.util.Set<String> backfilled = ConcurrentHashMap.newKeySet();

    PolicyTicker(PolicyRegistry registry, DecisionEngine engine, MetricFetcher fetcher, ScaleActuator actuator,
                 DryRunActuator virtual, AutoscalerMetrics metrics, Clock clock, AutoscalerConfig config, StateStore store, Leadership leadership,
                 Event<PolicyDecided> decided) {
        this.store = store;
        this.leadership = leadership;
        this.decided = decided;
        this.budgetGroups = Map.copyOf(config.budgetGroups());
        leadership.onChange(leading -> rereadState());
        this.registry = registry;
        this.engine = engine;
        this.fetcher = fetcher;
        this.actuator = actuator;
        this.virtual = virtual;
        this.metrics = metrics;
        this.clock = clock;
        this.defaultPrometheus = config.runtime().prometheusUrl();
    }

    /**
     * Runs one cycle; empty when this replica is a follower, the policy is unknown, or its previous tick is still
     * running (skipped). A policy of a configured budget group is decided with the rest of its group.
     */
    public Optional<Decision> tick(PolicyKey key) {
        if (!leadership.acting()) {
            LOG.debugf("%s: not the leader, tick skipped", key);
            return Optional.empty();
        }
        Optional<String> group = registry.find(key).map(s -> s.spec().ballast().budgetGroup()).filter(budgetGroups::containsKey);
        if (group.isPresent()) {
            return Optional.ofNullable(tickGroup(group.get()).get(key));
        }
        AtomicBoolean busy = running.computeIfAbsent(key, k -> new AtomicBoolean());
        if (!busy.compareAndSet(false, true)) {
            metrics.tickSkipped(key);
            LOG.debugf("%s: previous tick still running, skipped", key);
            return Optional.empty();
        }
        try {
            Optional<PolicyState> state = registry.find(key);
            if (state.isEmpty()) {
                return Optional.empty();
            }
            long started = System.nanoTime();
            Prepared p = prepare(key);
            Decision d = p.failed() != null ? p.failed() : finish(p, engine.decide(p.input()));
            metrics.decisionTook(key, System.nanoTime() - started);
            return Optional.of(d);
        } finally {
            busy.set(false);
        }
    }

    /**
     * One cycle of every policy naming budget group {@code group} (ballast.autoscaler.budget-groups): each is read
     * and measured, the engine decides them together (BudgetArbiter.decideGroup) so the group's max-replicas holds,
     * lowest priority trimmed first, then each is rescaled. A member whose scale cannot be read keeps the replicas it
     * last had out of the budget. Skipped as a whole when any member's tick is still running, or on a follower.
     */
    public Map<PolicyKey, Decision> tickGroup(String group) {
        if (!leadership.acting()) {
            return Map.of();
        }
        List<PolicyKey> members = registry.all().stream().filter(s -> group.equals(s.spec().ballast().budgetGroup()))
                .map(PolicyState::key).sorted(java.util.Comparator.comparing(PolicyKey::toString)).toList();
        List<AtomicBoolean> held = new ArrayList<>();
        try {
            for (PolicyKey key : members) {
                AtomicBoolean busy = running.computeIfAbsent(key, k -> new AtomicBoolean());
                if (!busy.compareAndSet(false, true)) {
                    metrics.tickSkipped(key);
                    LOG.debugf("budget group %s: previous tick of %s still running, group tick skipped", group, key);
                    return Map.of();
                }
                held.add(busy);
            }
            long started = System.nanoTime();
            Map<PolicyKey, Decision> out = new LinkedHashMap<>();
            List<Prepared> ready = new ArrayList<>();
            int budget = budgetGroups.get(group).maxReplicas();
            for (PolicyKey key : members) {
                Prepared p = prepare(key);
                if (p.failed() != null) {
                    out.put(key, p.failed());
                    Decision last = p.state().lastDecision();
                    budget -= last == null ? 0 : last.currentReplicas();
                } else {
                    ready.add(p);
                }
            }
            List<Decision> decisions = BudgetArbiter.decideGroup(engine, ready.stream().map(Prepared::input).toList(),
                    ready.stream().map(p -> p.state().key().toString()).toList(), Math.max(0, budget));
            for (int i = 0; i < ready.size(); i++) {
                out.put(ready.get(i).state().key(), finish(ready.get(i), decisions.get(i)));
            }
            long took = System.nanoTime() - started;
            members.forEach(k -> metrics.decisionTook(k, took / Math.max(1, members.size())));
            return out;
        } finally {
            held.forEach(b -> b.set(false));
        }
    }

    /** Whether a policy is decided with a budget group (it names one that is configured). */
    public boolean grouped(ScalingPolicySpec spec) {
        return spec.ballast().budgetGroup() != null && budgetGroups.containsKey(spec.ballast().budgetGroup());
    }

    /** The first tick of a policy in this process picks up what the previous process or leader persisted. */
    private void restore(PolicyKey key) {
        store.load(key).ifPresent(s -> {
            registry.restore(key, s.history(), s.lastScaleTime(), s.override(), s.audit());
            if (s.virtualReplicas() != null && actuator.dryRun()) {
                virtual.set(key, s.virtualReplicas());
            }
            LOG.infof("%s: restored state (%d recommendations, last scale %s)", key,
                    s.history() == null ? 0 : s.history().recommendations().size(), s.lastScaleTime());
        });
    }

    private void persist(PolicyKey key) {
        registry.find(key).ifPresent(s -> store.save(key, new StoredState(s.history(), s.lastScaleTime(), s.override(),
                s.audit(), actuator.dryRun() ? virtual.current(key) : null)));
    }

    /**
     * Persists a policy's state now (an override was set or cleared through the API), so the override survives a
     * restart even before the next tick. In a process that has not ticked the policy yet, the stored state is
     * restored first and the new override kept.
     */
    public void overrideChanged(PolicyKey key) {
        PolicyState current = registry.find(key).orElse(null);
        if (current == null) {
            return;
        }
        if (restored.add(key)) {
            restore(key);
            registry.find(key).ifPresent(r -> registry.restore(key, r.history(), r.lastScaleTime(), current.override(),
                    current.audit()));
        }
        persist(key);
    }

    /** Forgets that a policy was restored, so its next tick reads the store again (a new process does this). */
    void forgetRestored(PolicyKey key) {
        restored.remove(key);
    }

    /**
     * Every policy re-reads the durable state at its next tick: after a hand-over another replica may have decided
     * meanwhile. The scheduler calls it too before it runs a new leader's ticks, so no tick can start before it.
     */
    void rereadState() {
        restored.clear();
    }

    /** Forgets everything this process holds about a deleted policy (the registry and store are cleared by the caller). */
    public void forget(PolicyKey key) {
        restored.remove(key);
        running.remove(key);
        backfilled.removeIf(k -> k.startsWith(key + "/"));
        actuator.forget(key); // the dry-run actuator is the virtual targets' store
    }

    /** Whether a tick of this policy is running now. */
    public boolean running(PolicyKey key) {
        AtomicBoolean busy = running.get(key);
        return busy != null && busy.get();
    }

    /**
     * What one policy's cycle knows before the engine decides: its state and the engine's input, or the decision
     * already made because the scale could not be read (FailedGetScale).
     */
    private record Prepared(PolicyState state, DecisionInput input, Decision failed) {
    }

    /** Restores, reads the scale and fetches the metrics of one policy (the HPA's reconcile up to the decision). */
    private Prepared prepare(PolicyKey key) {
        if (restored.add(key)) {
            restore(key);
        }
        PolicyState state = registry.find(key).orElseThrow();
        ScalingPolicySpec spec = state.spec();
        metrics.register(key, spec);
        Instant now = clock.instant();
        CurrentScale scale;
        try {
            scale = actuator.read(key, spec);
        } catch (ScaleActuator.ScaleException e) {
            metrics.scaleFailed(key, e.reason(), "none");
            LOG.warnf("%s: %s: %s", key, e.reason(), e.getMessage());
            Decision failed = new Decision(now, 0, 0, false, e.getMessage(), List.of(),
                    List.of(Condition.of(Condition.ABLE_TO_SCALE, false, e.reason(), "the HPA controller was unable to get the target's current scale: " + e.getMessage())),
                    null, state.history());
            registry.recordDecision(key, failed);
            announce(new PolicyDecided(key, spec, failed, e, 0));
            return new Prepared(state, null, failed);
        }

        Map<String, MetricQuery> queries = queries(spec);
        List<MetricSpec> resourceMetrics = spec.metrics().stream().filter(m -> m.type() == dev.ballast.autoscaler.policy.MetricSourceType.RESOURCE
                || m.type() == dev.ballast.autoscaler.policy.MetricSourceType.CONTAINER_RESOURCE).toList();
        if (scale.selector() != null) {
            // a real target: its Resource metrics are the metrics.k8s.io samples of the pods the scale's selector picks
            MetricQuery usage = new MetricQuery.KubernetesPodMetrics(key.namespace(), scale.selector());
            resourceMetrics.forEach(m -> queries.put(m.displayName(), usage));
        }
        Map<MetricQuery, MetricFetcher.Result> results = fetcher.fetchAll(queries.values());
        Map<String, dev.ballast.autoscaler.source.PodUsage> podUsage = Map.of();
        Map<String, MetricReading> values = new HashMap<>();
        Map<String, String> errors = new HashMap<>();
        Map<String, long[]> unlisted = new HashMap<>();
        Map<String, Map<String, Long>> podSamples = new HashMap<>();
        for (MetricSpec m : spec.metrics()) {
            String name = m.displayName();
            MetricQuery q = queries.get(name);
            MetricFetcher.Result r = q == null ? null : results.get(q);
            String error = q == null ? missingSourceError(m) : r.error();
            switch (m.type()) {
                case OBJECT, EXTERNAL -> values.put(name, error != null ? MetricReading.failed(error) : MetricReading.of(r.value().milli()));
                case PODS -> {
                    if (error != null) {
                        errors.put(name, error);
                    } else {
                        podSamples.put(name, r.value().perPodMilli());
                    }
                }
                case RESOURCE, CONTAINER_RESOURCE -> {
                    if (error != null) {
                        errors.put(name, error);
                    } else {
                        podUsage = r.value().podUsage();
                    }
                }
                default -> errors.put(name, error);
            }
            if (error != null) {
                metrics.metricFailed(key, name);
            }
        }
        List<PodState> pods = attachPodSamples(dev.ballast.autoscaler.source.ResourceSamples.attach(scale.pods(), podUsage,
                resourceMetrics, unlisted), podSamples, unlisted);
        Observation observed = new Observation(scale.specReplicas(), scale.statusReplicas(), pods, values, errors, null,
                Map.of(), unlisted);

        ScalingHistory history = withSeries(backfill(key, state.history(), spec, now), spec, values, pods, now);
        BallastSpec.Override apiOverride = registry.activeOverride(key, now).map(OverrideRecord::toSpec).orElse(null);
        return new Prepared(state, new DecisionInput(spec, observed, history, now, apiOverride, null), null);
    }

    /** Rescales when the engine says so, then records, persists, exports, logs and announces the decision. */
    private Decision finish(Prepared p, Decision d) {
        PolicyKey key = p.state().key();
        ScalingPolicySpec spec = p.state().spec();
        Instant now = p.input().now();
        ScaleActuator.ScaleException refused = null;
        int asked = d.desiredReplicas();
        if (d.rescale()) {
            String direction = d.desiredReplicas() > d.currentReplicas() ? "up" : "down";
            try {
                actuator.scale(key, spec, d.desiredReplicas());
                metrics.scaled(key, direction);
            } catch (ScaleActuator.ScaleException e) {
                metrics.scaleFailed(key, e.reason(), direction);
                refused = e;
                d = failedUpdate(d, p.state().history(), e);
            }
        }
        registry.recordDecision(key, d);
        persist(key);
        metrics.decided(key, spec, d, registry.activeOverride(key, now).isPresent() || spec.ballast().override() != null
                && spec.ballast().override().expiresAt() != null && now.isBefore(spec.ballast().override().expiresAt()));
        LOG.info(logLine(key, d));
        announce(new PolicyDecided(key, spec, d, refused, asked));
        return d;
    }

    /** Tells the observers (policy status, Events) about a decision; their failures never fail the tick. */
    private void announce(PolicyDecided event) {
        try {
            decided.fire(event);
        } catch (RuntimeException e) {
            LOG.warnf(e, "%s: reporting the decision failed", event.key());
        }
    }

    /** The read behind each Pods/Object/External metric that names a source; Resource metrics need Kubernetes. */
    private Map<String, MetricQuery> queries(ScalingPolicySpec spec) {
        Map<String, MetricQuery> out = new LinkedHashMap<>();
        for (BallastSpec.MetricValueSource s : spec.ballast().sources()) {
            MetricSpec metric = spec.metrics().stream().filter(m -> s.metric().equals(m.displayName())).findFirst().orElse(null);
            if (metric == null) {
                continue;
            }
            if (s.redisQueue() != null) {
                out.put(s.metric(), new MetricQuery.RedisQueueDepth(s.redisQueue()));
            } else if (s.prometheus() != null) {
                String server = s.prometheus().serverAddress() == null ? defaultPrometheus : s.prometheus().serverAddress();
                out.put(s.metric(), metric.type() == dev.ballast.autoscaler.policy.MetricSourceType.PODS
                        ? new MetricQuery.PrometheusPerPod(server, s.prometheus().query())
                        : new MetricQuery.PrometheusInstant(server, s.prometheus().query()));
            }
        }
        return out;
    }

    private String missingSourceError(MetricSpec m) {
        return switch (m.type()) {
            case RESOURCE, CONTAINER_RESOURCE -> "resource metrics need the Kubernetes metrics API (ballast.autoscaler.kubernetes.enabled=true); this autoscaler runs without Kubernetes";
            default -> "no source in spec.ballast.sources reads metric " + m.displayName();
        };
    }

    /**
     * Puts each pod's sample on the pod of that name. Samples of pods the target does not list are handed to the
     * engine as unlisted samples (the HPA averages them in); on a virtual target they fill the virtual pods in order.
     */
    private List<PodState> attachPodSamples(List<PodState> pods, Map<String, Map<String, Long>> samples, Map<String, long[]> unlisted) {
        if (samples.isEmpty()) {
            return pods;
        }
        List<PodState> out = new ArrayList<>(pods.size());
        Map<String, Map<String, Long>> perPod = new HashMap<>();
        Map<String, TreeMap<String, Long>> leftover = new HashMap<>();
        for (Map.Entry<String, Map<String, Long>> metric : samples.entrySet()) {
            TreeMap<String, Long> rest = new TreeMap<>(metric.getValue());
            for (PodState p : pods) {
                Long v = rest.remove(p.name());
                if (v != null) {
                    perPod.computeIfAbsent(p.name(), n -> new HashMap<>()).put(metric.getKey(), v);
                }
            }
            if (actuator.dryRun()) {
                for (PodState p : pods) {
                    if (rest.isEmpty()) {
                        break;
                    }
                    Map<String, Long> mine = perPod.computeIfAbsent(p.name(), n -> new HashMap<>());
                    if (!mine.containsKey(metric.getKey())) {
                        mine.put(metric.getKey(), rest.pollFirstEntry().getValue());
                    }
                }
            }
            leftover.put(metric.getKey(), rest);
        }
        for (PodState p : pods) {
            Map<String, Long> mine = perPod.get(p.name());
            out.add(mine == null ? p : new PodState(p.name(), p.phase(), p.ready(), p.deleting(), p.startTime(),
                    p.readyTransitionTime(), p.usageTimestamp(), p.usageWindowSeconds(), p.requestsMilli(), p.usageMilli(),
                    mine, p.containers()));
        }
        leftover.forEach((metric, rest) -> {
            if (!rest.isEmpty()) {
                unlisted.put(metric, rest.values().stream().mapToLong(Long::longValue).toArray());
            }
        });
        return out;
    }

    /**
     * The first cycle of a predictive policy in this process fills the forecast series of each Object/External metric
     * read from Prometheus with a range query (one point per polling interval), so a forecast does not wait two
     * seasons of live samples. Done once per metric and process; a failure leaves live samples to grow it.
     */
    private ScalingHistory backfill(PolicyKey key, ScalingHistory h, ScalingPolicySpec spec, Instant now) {
        BallastSpec.Predictive predictive = spec.ballast().predictive();
        if (predictive.mode() == BallastSpec.PredictiveMode.OFF) {
            return h;
        }
        int step = spec.ballast().pollingIntervalSeconds();
        long points = Math.min(MAX_RANGE_POINTS, (2L * predictive.seasonSeconds() + predictive.horizonSeconds()) / step);
        Map<String, MetricQuery> ranges = new LinkedHashMap<>();
        for (BallastSpec.MetricValueSource s : spec.ballast().sources()) {
            MetricSpec metric = spec.metrics().stream().filter(m -> s.metric().equals(m.displayName())).findFirst().orElse(null);
            boolean objectOrExternal = metric != null && (metric.type() == dev.ballast.autoscaler.policy.MetricSourceType.OBJECT
                    || metric.type() == dev.ballast.autoscaler.policy.MetricSourceType.EXTERNAL);
            ScalingHistory.MetricSeries existing = h.series().get(s.metric());
            if (objectOrExternal && s.prometheus() != null && (existing == null || existing.values().length == 0)
                    && backfilled.add(key + "/" + s.metric())) {
                String server = s.prometheus().serverAddress() == null ? defaultPrometheus : s.prometheus().serverAddress();
                ranges.put(s.metric(), new MetricQuery.PrometheusRange(server, s.prometheus().query(),
                        java.time.Duration.ofSeconds(points * step), java.time.Duration.ofSeconds(step)));
            }
        }
        if (ranges.isEmpty()) {
            return h;
        }
        Map<MetricQuery, MetricFetcher.Result> results = fetcher.fetchAll(ranges.values());
        Map<String, ScalingHistory.MetricSeries> series = new HashMap<>(h.series());
        ranges.forEach((metric, q) -> {
            MetricFetcher.Result r = results.get(q);
            if (r.failed()) {
                LOG.infof("%s: no history for %s from Prometheus (%s); the forecast grows from live samples", key, metric, r.error());
                return;
            }
            double[] milli = r.value().series().stream().mapToDouble(v -> v * 1000).toArray();
            series.put(metric, new ScalingHistory.MetricSeries(step, milli, now));
            LOG.infof("%s: forecast series of %s backfilled with %d points", key, metric, milli.length);
        });
        return new ScalingHistory(h.recommendations(), h.scaleUpEvents(), h.scaleDownEvents(), h.lastActiveTime(),
                h.consecutiveFailures(), h.burstUntil(), series, h.firstSeen());
    }

    /** Grows the forecasting series by this cycle's values (Object/External as read; Pods as the total across pods). */
    private static ScalingHistory withSeries(ScalingHistory h, ScalingPolicySpec spec, Map<String, MetricReading> values,
                                             List<PodState> pods, Instant now) {
        if (spec.ballast().predictive().mode() == BallastSpec.PredictiveMode.OFF) {
            return h;
        }
        Map<String, Double> samples = new HashMap<>();
        values.forEach((name, r) -> {
            if (!r.failed()) {
                samples.put(name, (double) r.milli());
            }
        });
        for (MetricSpec m : spec.metrics()) {
            if (m.type() == dev.ballast.autoscaler.policy.MetricSourceType.PODS) {
                long total = 0;
                boolean any = false;
                for (PodState p : pods) {
                    Long v = p.metricsMilli().get(m.displayName());
                    if (v != null) {
                        total += v;
                        any = true;
                    }
                }
                if (any) {
                    samples.put(m.displayName(), (double) total);
                }
            }
        }
        int step = spec.ballast().pollingIntervalSeconds();
        return new ScalingHistory(h.recommendations(), h.scaleUpEvents(), h.scaleDownEvents(), h.lastActiveTime(),
                h.consecutiveFailures(), h.burstUntil(),
                DecisionEngine.appendSamples(h.series(), samples, now, step, MAX_SERIES_POINTS), h.firstSeen());
    }

    /** A refused update keeps the previous history and reports AbleToScale=False FailedUpdateScale (horizontal.go). */
    private static Decision failedUpdate(Decision d, ScalingHistory previous, ScaleActuator.ScaleException e) {
        List<Condition> conditions = new ArrayList<>();
        for (Condition c : d.conditions()) {
            if (!c.type().equals(Condition.ABLE_TO_SCALE)) {
                conditions.add(c);
            }
        }
        conditions.add(0, Condition.of(Condition.ABLE_TO_SCALE, false, e.reason(),
                "the HPA controller was unable to update the target scale: " + e.getMessage()));
        return new Decision(d.timestamp(), d.currentReplicas(), d.currentReplicas(), false, d.reason(), d.metrics(),
                conditions, d.forecast(), previous);
    }

    /** One line per decision with the numbers: sizes, each metric's value, target and proposal, and why. */
    String logLine(PolicyKey key, Decision d) {
        StringBuilder line = new StringBuilder()
                .append("decision ").append(key)
                .append(actuator.dryRun() ? " (dry-run)" : "")
                .append(": current=").append(d.currentReplicas())
                .append(" desired=").append(d.desiredReplicas())
                .append(" rescale=").append(d.rescale());
        for (MetricStatus m : d.metrics()) {
            line.append(' ').append(m.name()).append('=');
            if (m.error() != null) {
                line.append("error(").append(m.error()).append(')');
            } else {
                line.append(AutoscalerMetrics.valueText(m)).append('/').append(AutoscalerMetrics.targetText(m))
                        .append("->").append(m.replicas());
            }
        }
        if (d.forecast() != null) {
            line.append(" forecast=").append(d.forecast().replicas());
        }
        return line.append(" reason=\"").append(d.reason()).append('"').toString();
    }
}
