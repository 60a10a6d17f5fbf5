package dev.ballast.autoscaler.kube.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.MetricStatus;
import dev.ballast.autoscaler.leader.LeaderElectionLifecycle;
import dev.ballast.autoscaler.leader.Leadership;
import dev.ballast.autoscaler.policy.Violation;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.registry.PolicyState;
import dev.ballast.autoscaler.runtime.PolicyDecided;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Reports each decision of the acting replica on its ScalingPolicy object, as the HPA's reconcile does: the status
 * through the {@code status} subresource (one JSON merge PATCH, only when it changed, with the configured field
 * manager) and Events (SuccessfulRescale, FailedRescale, FailedGetScale, the per-metric FailedGet*Metric reasons and
 * FailedComputeMetricsReplicas). A policy whose spec is invalid gets ValidSpec=False and a Warning Event.
 * Does nothing without Kubernetes or on a follower.
 */
@ApplicationScoped
public class PolicyReporter {

    private static final Logger LOG = Logger.getLogger(PolicyReporter.class);
    static final String COMPONENT = "ballast-autoscaler";

    private final AutoscalerConfig config;
    private final Instance<KubernetesClient> client;
    private final Instance<ScalingPolicyInformer> informer;
    private final PolicyRegistry registry;
    private final Leadership leadership;
    private final LeaderElectionLifecycle election;
    private final ObjectMapper json;
    private final Clock clock;
    private volatile PolicyEvents events;

    PolicyReporter(AutoscalerConfig config, Instance<KubernetesClient> client, Instance<ScalingPolicyInformer> informer,
                   PolicyRegistry registry, Leadership leadership, LeaderElectionLifecycle election, ObjectMapper json,
                   Clock clock) {
        this.config = config;
        this.client = client;
        this.informer = informer;
        this.registry = registry;
        this.leadership = leadership;
        this.election = election;
        this.json = json;
        this.clock = clock;
    }

    void decided(@Observes PolicyDecided e) {
        if (!config.kubernetes().enabled() || !leadership.acting()) {
            return;
        }
        ScalingPolicyInformer.Seen seen = informer.get().seen(e.key()).orElse(null);
        if (seen == null) {
            return; // deleted while the tick ran
        }
        Decision d = e.decision();
        boolean unreadable = e.scaleError() != null && "FailedGetScale".equals(e.scaleError().reason());
        Instant lastScale = registry.find(e.key()).map(PolicyState::lastScaleTime).orElse(null);
        Map<String, Object> previous = seen.status() == null ? Map.of() : seen.status();
        writeStatus(e.key(), PolicyStatusBody.of(e.spec(), d, unreadable, lastScale, seen.generation(), previous,
                clock.instant()), previous);
        events(e, seen);
    }

    private void events(PolicyDecided e, ScalingPolicyInformer.Seen seen) {
        PolicyEvents.Involved on = new PolicyEvents.Involved(e.key().namespace(), e.key().name(), seen.uid());
        Decision d = e.decision();
        if (e.scaleError() != null && "FailedGetScale".equals(e.scaleError().reason())) {
            events().warning(on, "FailedGetScale", e.scaleError().getMessage());
            return;
        }
        int invalid = 0;
        String firstError = null;
        for (MetricStatus m : d.metrics()) {
            if (m.error() != null) {
                events().warning(on, failedGetReason(m.type()), m.error());
                if (invalid++ == 0) {
                    firstError = m.error();
                }
            }
        }
        Condition active = d.condition(Condition.SCALING_ACTIVE);
        if (invalid > 0 && (invalid >= d.metrics().size() || active != null && !active.holds())) {
            events().warning(on, "FailedComputeMetricsReplicas", "invalid metrics (" + invalid + " invalid out of "
                    + d.metrics().size() + "), first error is: " + firstError);
        }
        if (e.scaleError() != null) {
            events().warning(on, "FailedRescale", "New size: " + e.attemptedReplicas() + "; reason: " + d.reason()
                    + "; error: " + e.scaleError().getMessage());
        } else if (d.rescale()) {
            events().normal(on, "SuccessfulRescale", "New size: " + d.desiredReplicas() + "; reason: " + d.reason());
        }
    }

    /** The HPA's event reason for a metric it could not read, by metric source type. */
    static String failedGetReason(String type) {
        return switch (type) {
            case "Resource" -> "FailedGetResourceMetric";
            case "ContainerResource" -> "FailedGetContainerResourceMetric";
            case "Pods" -> "FailedGetPodsMetric";
            case "Object" -> "FailedGetObjectMetric";
            default -> "FailedGetExternalMetric";
        };
    }

    /** Says on the object why it is not scheduled (status condition and a Warning Event); acting replica only. */
    void invalid(PolicyKey key, ScalingPolicyInformer.Seen seen) {
        if (!config.kubernetes().enabled() || !leadership.acting()) {
            return;
        }
        Map<String, Object> previous = seen.status() == null ? Map.of() : seen.status();
        Map<String, Object> status = PolicyStatusBody.invalid(seen.violations(), seen.generation(), previous, clock.instant());
        if (writeStatus(key, status, previous)) {
            events().warning(new PolicyEvents.Involved(key.namespace(), key.name(), seen.uid()), "InvalidSpec",
                    "ScalingPolicy is not scheduled: " + seen.violations().stream().map(Violation::toString)
                            .collect(Collectors.joining("; ")));
        }
    }

    /** A policy fixed after being invalid: the ValidSpec condition turns True at once, before the first tick. */
    void valid(PolicyKey key, ScalingPolicyInformer.Seen seen) {
        if (!config.kubernetes().enabled() || !leadership.acting()) {
            return;
        }
        Map<String, Object> previous = seen.status() == null ? Map.of() : seen.status();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("observedGeneration", seen.generation());
        status.put("conditions", PolicyStatusBody.conditions(List.of(Condition.of(PolicyStatusBody.VALID_SPEC, true,
                "ValidSpec", "the spec passed validation")), previous, clock.instant()));
        writeStatus(key, status, previous);
    }

    void forget(PolicyKey key) {
        // Event series are keyed by uid; a deleted object's uid never comes back
        informer.get().seen(key).ifPresent(s -> {
            if (events != null) {
                events.forget(s.uid());
            }
        });
    }

    /**
     * One merge PATCH of /status when anything differs from the status as it stands; a failure is logged.
     *
     * @return whether the status was written
     */
    private boolean writeStatus(PolicyKey key, Map<String, Object> status, Map<String, Object> previous) {
        if (unchanged(status, previous)) {
            return false;
        }
        try {
            String body = json.writeValueAsString(Map.of("status", status));
            LOG.debugf("status of %s: %s", key, body);
            client.get().genericKubernetesResources(ScalingPolicyInformer.CONTEXT).inNamespace(key.namespace())
                    .withName(key.name()).subresource("status")
                    .patch(new PatchContext.Builder().withPatchType(PatchType.JSON_MERGE)
                            .withFieldManager(config.kubernetes().fieldManager()).build(), body);
            Map<String, Object> merged = new LinkedHashMap<>(previous);
            status.forEach((k, v) -> {
                if (v == null) {
                    merged.remove(k);
                } else {
                    merged.put(k, v);
                }
            });
            informer.get().wrote(key, normalized(merged));
            return true;
        } catch (KubernetesClientException e) {
            // the HPA's FailedUpdateStatus: the next tick tries again
            LOG.warnf("FailedUpdateStatus: cannot write the status of ScalingPolicy %s: %s", key, e.getMessage());
            return false;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the status of " + key, e);
        }
    }

    /** Whether every field of {@code status} already has that value (a null removes a field, so absent counts as equal). */
    private boolean unchanged(Map<String, Object> status, Map<String, Object> previous) {
        Map<String, Object> next = normalized(status);
        Map<String, Object> before = normalized(previous);
        for (Map.Entry<String, Object> e : next.entrySet()) {
            if (!Objects.equals(e.getValue(), before.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The map as it reads back from JSON (numbers as JSON reads them), so 1L and 1 compare equal. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> normalized(Map<String, Object> m) {
        try {
            return json.readValue(json.writeValueAsString(m), Map.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a ScalingPolicy status", e);
        }
    }

    private PolicyEvents events() {
        PolicyEvents e = events;
        if (e == null) {
            synchronized (this) {
                if (events == null) {
                    String instance = election.identity() == null ? COMPONENT : election.identity();
                    events = new PolicyEvents(client.get(), COMPONENT, instance, clock);
                }
                e = events;
            }
        }
        return e;
    }
}
