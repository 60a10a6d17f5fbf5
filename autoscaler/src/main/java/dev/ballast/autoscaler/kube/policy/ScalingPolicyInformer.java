package dev.ballast.autoscaler.kube.policy;

import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.leader.Leadership;
import dev.ballast.autoscaler.policy.PolicyValidator;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.policy.Violation;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.runtime.AutoscalerMetrics;
import dev.ballast.autoscaler.runtime.PoliciesFile;
import dev.ballast.autoscaler.runtime.PolicyScheduler;
import dev.ballast.autoscaler.runtime.PolicyTicker;
import dev.ballast.autoscaler.state.StateStore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Watches ScalingPolicy objects (ballast.dev/v1alpha1) with a shared informer, in every namespace or the configured
 * ones, and keeps the registry and the scheduler in step: an added policy is validated and scheduled, a changed spec
 * is used from the next tick, a deleted one stops ticking and loses its state and meters. A policy that fails
 * validation is not scheduled; the acting replica says why in its status (ValidSpec=False, InvalidSpec) and in a
 * Warning Event. Only with {@code ballast.autoscaler.kubernetes.enabled=true}; otherwise it never touches the client.
 */
@ApplicationScoped
public class ScalingPolicyInformer {

    private static final Logger LOG = Logger.getLogger(ScalingPolicyInformer.class);

    /** The CRD, named without discovery (the plural is fixed by gitops/base/crds). */
    public static final ResourceDefinitionContext CONTEXT = new ResourceDefinitionContext.Builder()
            .withGroup("ballast.dev").withVersion("v1alpha1").withKind("ScalingPolicy").withPlural("scalingpolicies")
            .withNamespaced(true).build();

    /** What the runtime keeps of each policy object: identity, generation, and the status as last seen or written. */
    public record Seen(String uid, Long generation, Map<String, Object> status, List<Violation> violations) {
    }

    private final AutoscalerConfig config;
    private final Instance<KubernetesClient> client;
    private final PolicyRegistry registry;
    private final PolicyScheduler scheduler;
    private final PolicyTicker ticker;
    private final StateStore store;
    private final AutoscalerMetrics metrics;
    private final PolicyReporter reporter;
    private final Map<PolicyKey, Seen> seen = new ConcurrentHashMap<>();
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();

    ScalingPolicyInformer(AutoscalerConfig config, Instance<KubernetesClient> client, PolicyRegistry registry,
                          PolicyScheduler scheduler, PolicyTicker ticker, StateStore store, AutoscalerMetrics metrics,
                          PolicyReporter reporter, Leadership leadership) {
        this.config = config;
        this.client = client;
        this.registry = registry;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.store = store;
        this.metrics = metrics;
        this.reporter = reporter;
        // a new leader tells the invalid policies it knows of why they are not scheduled, if nobody has yet
        leadership.onChange(leading -> {
            if (leading) {
                seen.forEach((key, s) -> {
                    if (!s.violations().isEmpty()) {
                        reporter.invalid(key, s);
                    }
                });
            }
        });
    }

    void start(@Observes StartupEvent event) {
        if (!config.kubernetes().enabled()) {
            return;
        }
        KubernetesClient k = client.get();
        ResourceEventHandler<GenericKubernetesResource> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                safely(obj, () -> apply(obj));
            }

            @Override
            public void onUpdate(GenericKubernetesResource old, GenericKubernetesResource obj) {
                safely(obj, () -> apply(obj));
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                safely(obj, () -> delete(key(obj)));
            }
        };
        long resync = config.kubernetes().informerResync().toMillis();
        List<String> namespaces = config.kubernetes().namespaces().orElse(List.of());
        if (namespaces.isEmpty()) {
            informers.add(k.genericKubernetesResources(CONTEXT).inAnyNamespace().inform(handler, resync));
            LOG.infof("watching ScalingPolicy objects in all namespaces");
        } else {
            for (String ns : namespaces) {
                informers.add(k.genericKubernetesResources(CONTEXT).inNamespace(ns).inform(handler, resync));
            }
            LOG.infof("watching ScalingPolicy objects in namespaces %s", namespaces);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        informers.forEach(SharedIndexInformer::stop);
        informers.clear();
    }

    /** True once every informer has listed its policies. */
    public boolean synced() {
        return !informers.isEmpty() && informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    /** The policy object as last seen (or written back with a new status), if it exists. */
    public Optional<Seen> seen(PolicyKey key) {
        return Optional.ofNullable(seen.get(key));
    }

    /** Keeps the status this replica wrote, so the next write compares against it. */
    void wrote(PolicyKey key, Map<String, Object> status) {
        seen.computeIfPresent(key, (k, s) -> new Seen(s.uid(), s.generation(), status, s.violations()));
    }

    /** An added or changed policy object: validate, then register and schedule it, or report why not. */
    void apply(GenericKubernetesResource obj) {
        PolicyKey key = key(obj);
        Object rawSpec = obj.getAdditionalProperties().get("spec");
        @SuppressWarnings("unchecked")
        Map<String, Object> status = obj.getAdditionalProperties().get("status") instanceof Map<?, ?> m
                ? (Map<String, Object>) m : Map.of();
        Seen before = seen.get(key);
        List<Violation> violations;
        ScalingPolicySpec spec = null;
        try {
            spec = PoliciesFile.spec(rawSpec);
            violations = PolicyValidator.validate(spec, "spec");
        } catch (IllegalArgumentException e) {
            violations = List.of(new Violation("spec", "Invalid value: " + firstLine(e.getMessage())));
        }
        Seen now = new Seen(obj.getMetadata().getUid(), obj.getMetadata().getGeneration(),
                before != null && Objects.equals(before.uid(), obj.getMetadata().getUid()) && before.status() != null
                        && status.isEmpty() ? before.status() : status, violations);
        seen.put(key, now);
        if (!violations.isEmpty()) {
            boolean wasScheduled = scheduler.scheduled(key);
            scheduler.unschedule(key);
            registry.remove(key);
            metrics.forget(key); // no decisions are made for it: its gauges would show stale numbers
            if (before == null || !Objects.equals(before.generation(), now.generation()) || !before.violations().equals(violations)) {
                LOG.warnf("ScalingPolicy %s is invalid and not scheduled%s: %s", key,
                    wasScheduled ? " (it stops ticking; its stored state is kept for when it is fixed)" : "",
                        violations.stream().map(Violation::toString).reduce((a, b) -> a + "; " + b).orElse(""));
            }
            reporter.invalid(key, now);
            return;
        }
        ScalingPolicySpec previous = registry.find(key).map(s -> s.spec()).orElse(null);
        ScalingPolicySpec effective = registry.upsert(key, spec).spec();
        if (previous == null) {
            LOG.infof("ScalingPolicy %s added (generation %s), polling every %d s", key, now.generation(),
                    effective.ballast().pollingIntervalSeconds());
            scheduler.schedule(key);
        } else if (!previous.equals(effective)) {
            LOG.infof("ScalingPolicy %s changed (generation %s); the next tick uses the new spec", key, now.generation());
            if (!Objects.equals(previous.ballast().pollingIntervalSeconds(), effective.ballast().pollingIntervalSeconds())
                    || !Objects.equals(previous.ballast().budgetGroup(), effective.ballast().budgetGroup())) {
                scheduler.reschedule(key);
            } else {
                scheduler.schedule(key);
            }
        }
        if (before != null && !before.violations().isEmpty()) {
            reporter.valid(key, now);
        }
    }

    /** A deleted policy: its job stops and its state, meters and Event series go. */
    void delete(PolicyKey key) {
        seen.remove(key);
        scheduler.unschedule(key);
        registry.remove(key);
        ticker.forget(key);
        metrics.forget(key);
        store.delete(key);
        reporter.forget(key);
        LOG.infof("ScalingPolicy %s deleted: no longer scheduled, its state and meters are gone", key);
    }

    private static PolicyKey key(GenericKubernetesResource obj) {
        return new PolicyKey(obj.getMetadata().getNamespace(), obj.getMetadata().getName());
    }

    private static void safely(GenericKubernetesResource obj, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // the informer's thread must survive one bad object
            LOG.errorf(e, "handling ScalingPolicy %s/%s failed", obj.getMetadata().getNamespace(), obj.getMetadata().getName());
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "does not match the ScalingPolicy schema";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
