package dev.ballast.autoscaler.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.engine.PodState;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.runtime.CurrentScale;
import dev.ballast.autoscaler.runtime.ScaleActuator;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import org.jboss.logging.Logger;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Reads and writes a policy's target through its scale subresource, as the HPA's reconcileAutoscaler does: GET
 * {@code .../scale} for the sizes and the selector, the pods that selector picks, and PUT {@code .../scale} with the new
 * spec.replicas, conditional on the resourceVersion the tick read, under the configured field manager. A 409 Conflict
 * re-reads and re-applies, as client-go's RetryOnConflict(DefaultBackoff) does.
 */
@ApplicationScoped
@Typed(KubernetesScaleActuator.class)
public class KubernetesScaleActuator implements ScaleActuator {

    private static final Logger LOG = Logger.getLogger(KubernetesScaleActuator.class);
    static final String FAILED_GET = "FailedGetScale";
    static final String FAILED_UPDATE = "FailedUpdateScale";
    /** client-go retry.DefaultBackoff: 4 attempts, waits of 10 ms growing 5-fold, 10% jitter. */
    static final int CONFLICT_ATTEMPTS = 4;
    static final long FIRST_BACKOFF_MILLIS = 10;
    static final int BACKOFF_FACTOR = 5;

    private final ApiServer api;
    private final ScaleTargets targets;
    private final String fieldManager;
    /** The Scale each policy's last read saw: its write is conditional on that resourceVersion. */
    private final Map<PolicyKey, ObjectNode> lastRead = new ConcurrentHashMap<>();

    @Override
    public void forget(PolicyKey key) {
        lastRead.remove(key);
    }

    @jakarta.inject.Inject
    KubernetesScaleActuator(ApiServer api, ScaleTargets targets, AutoscalerConfig config) {
        this(api, targets, config.kubernetes().fieldManager());
    }

    KubernetesScaleActuator(ApiServer api, ScaleTargets targets, String fieldManager) {
        this.api = api;
        this.targets = targets;
        this.fieldManager = fieldManager;
    }

    @Override
    public CurrentScale read(PolicyKey key, ScalingPolicySpec spec) throws ScaleException {
        String path = scalePath(key, spec, FAILED_GET);
        ObjectNode scale = getScale(path, FAILED_GET);
        lastRead.put(key, scale);
        String selector = scale.path("status").path("selector").asText("");
        if (selector.isEmpty()) {
            // horizontal.go: an empty selector would pick every pod of the namespace; the HPA refuses it
            throw new ScaleException("InvalidSelector", "the HPA target's scale is missing a selector (" + path + ")", null);
        }
        List<PodState> pods = pods(key.namespace(), selector, path);
        return new CurrentScale(scale.path("spec").path("replicas").asInt(0), scale.path("status").path("replicas").asInt(0),
                pods, selector);
    }

    @Override
    public void scale(PolicyKey key, ScalingPolicySpec spec, int replicas) throws ScaleException {
        String path = scalePath(key, spec, FAILED_UPDATE);
        ObjectNode current = lastRead.remove(key);
        if (current == null) {
            current = getScale(path, FAILED_UPDATE);
        }
        String write = path + "?fieldManager=" + URLEncoder.encode(fieldManager, StandardCharsets.UTF_8);
        long backoff = FIRST_BACKOFF_MILLIS;
        for (int attempt = 1; ; attempt++) {
            ObjectNode desired = current.deepCopy();
            desired.withObject("/spec").put("replicas", replicas);
            ApiServer.Reply reply;
            try {
                reply = api.put(write, desired.toString());
            } catch (ApiServer.Unreachable e) {
                throw new ScaleException(FAILED_UPDATE, e.getMessage(), e);
            }
            if (reply.ok()) {
                return;
            }
            if (reply.code() != 409 || attempt == CONFLICT_ATTEMPTS) {
                throw new ScaleException(FAILED_UPDATE, "PUT " + path + ": " + reply.describe()
                        + (reply.code() == 409 ? " (gave up after " + attempt + " conflicts)" : ""), null);
            }
            LOG.debugf("%s: conflict on %s (attempt %d), re-reading", key, path, attempt);
            pause(backoff);
            backoff *= BACKOFF_FACTOR;
            current = getScale(path, FAILED_UPDATE);
        }
    }

    @Override
    public boolean dryRun() {
        return false;
    }

    private String scalePath(PolicyKey key, ScalingPolicySpec spec, String reason) throws ScaleException {
        try {
            return targets.objectPath(key.namespace(), spec.scaleTargetRef()) + "/scale";
        } catch (ScaleTargets.UnknownTarget e) {
            throw new ScaleException(reason, e.getMessage(), e);
        }
    }

    private ObjectNode getScale(String path, String reason) throws ScaleException {
        try {
            ApiServer.Reply reply = api.get(path);
            if (!reply.ok()) {
                throw new ScaleException(reason, "GET " + path + ": " + reply.describe(), null);
            }
            if (!(reply.json() instanceof ObjectNode scale) || !"Scale".equals(scale.path("kind").asText())) {
                throw new ScaleException(reason, "GET " + path + " did not answer an autoscaling/v1 Scale", null);
            }
            return scale;
        } catch (ApiServer.Unreachable e) {
            throw new ScaleException(reason, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ScaleException(reason, "GET " + path + ": " + e.getMessage(), e);
        }
    }

    private List<PodState> pods(String namespace, String selector, String scalePath) throws ScaleException {
        String path = "/api/v1/namespaces/" + namespace + "/pods?labelSelector=" + URLEncoder.encode(selector, StandardCharsets.UTF_8);
        try {
            ApiServer.Reply reply = api.get(path);
            if (!reply.ok()) {
                throw new ScaleException(FAILED_GET, "listing the pods of " + scalePath + " (" + selector + "): " + reply.describe(), null);
            }
            JsonNode list = reply.json();
            return TargetPods.fromList(list);
        } catch (ApiServer.Unreachable e) {
            throw new ScaleException(FAILED_GET, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ScaleException(FAILED_GET, "listing the pods of " + scalePath + ": " + e.getMessage(), e);
        }
    }

    private static void pause(long millis) throws ScaleException {
        long jittered = millis + (long) (millis * 0.1 * ThreadLocalRandom.current().nextDouble());
        try {
            Thread.sleep(jittered);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScaleException(FAILED_UPDATE, "interrupted while retrying a conflicting scale update", e);
        }
    }
}
