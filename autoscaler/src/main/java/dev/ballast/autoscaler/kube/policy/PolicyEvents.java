package dev.ballast.autoscaler.kube.policy;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * core/v1 Events on ScalingPolicy objects, recorded as client-go's EventRecorder does for the HPA: the first
 * occurrence creates an Event, a repeat of the same (object, type, reason, message) within the aggregation window
 * patches its {@code count} and {@code lastTimestamp} instead of creating another object (EventCorrelator's
 * EventLogger). Failures are logged, never thrown: an Event is a report, not part of the decision.
 */
final class PolicyEvents {

    private static final Logger LOG = Logger.getLogger(PolicyEvents.class);
    /** client-go forgets an Event series after it has been quiet this long (the API server's default event TTL). */
    static final Duration SERIES_TTL = Duration.ofHours(1);

    /** The object an Event is about. */
    record Involved(String namespace, String name, String uid) {
    }

    private record SeriesKey(String uid, String type, String reason, String message) {
    }

    private record Series(String eventName, int count, Instant last) {
    }

    private final KubernetesClient client;
    private final String component;
    private final String instance;
    private final Clock clock;
    private final Map<SeriesKey, Series> series = new ConcurrentHashMap<>();
    private final AtomicLong lastNano = new AtomicLong();

    PolicyEvents(KubernetesClient client, String component, String instance, Clock clock) {
        this.client = client;
        this.component = component;
        this.instance = instance;
        this.clock = clock;
    }

    void normal(Involved on, String reason, String message) {
        record(on, "Normal", reason, message);
    }

    void warning(Involved on, String reason, String message) {
        record(on, "Warning", reason, message);
    }

    /** Forgets the series of a deleted object. */
    void forget(String uid) {
        series.keySet().removeIf(k -> k.uid().equals(uid));
    }

    private void record(Involved on, String type, String reason, String message) {
        Instant now = clock.instant();
        SeriesKey key = new SeriesKey(on.uid(), type, reason, message);
        Series s = series.get(key);
        try {
            if (s != null && Duration.between(s.last(), now).compareTo(SERIES_TTL) < 0) {
                int count = s.count() + 1;
                String patch = "{\"count\":" + count + ",\"lastTimestamp\":\"" + PolicyStatusBody.time(now) + "\"}";
                try {
                    client.v1().events().inNamespace(on.namespace()).withName(s.eventName())
                            .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
                    series.put(key, new Series(s.eventName(), count, now));
                    return;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) {
                        throw e;
                    }
                    // the Event expired on the server: start a new series
                }
            }
            long unixNano = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            // client-go names an Event <object>.<unix nanos in hex>; strictly increasing so two in one instant differ
            String name = on.name() + "." + Long.toHexString(lastNano.updateAndGet(last -> Math.max(last + 1, unixNano)));
            Event event = new EventBuilder()
                    .withNewMetadata().withName(name).withNamespace(on.namespace()).endMetadata()
                    .withNewInvolvedObject()
                    .withApiVersion("ballast.dev/v1alpha1").withKind("ScalingPolicy")
                    .withNamespace(on.namespace()).withName(on.name()).withUid(on.uid())
                    .endInvolvedObject()
                    .withType(type).withReason(reason).withMessage(message)
                    .withNewSource().withComponent(component).endSource()
                    .withReportingComponent(component).withReportingInstance(instance)
                    .withFirstTimestamp(PolicyStatusBody.time(now)).withLastTimestamp(PolicyStatusBody.time(now))
                    .withEventTime(new MicroTime(now.toString()))
                    .withCount(1)
                    .build();
            client.v1().events().inNamespace(on.namespace()).resource(event).create();
            series.put(key, new Series(name, 1, now));
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot record Event %s %s on ScalingPolicy %s/%s: %s", type, reason, on.namespace(), on.name(),
                    e.getMessage());
        }
    }
}
