package dev.ballast.autoscaler.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.MetricStatus;
import dev.ballast.autoscaler.policy.Violation;
import dev.ballast.autoscaler.registry.AuditEntry;
import dev.ballast.autoscaler.registry.OverrideRecord;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.registry.PolicyState;
import dev.ballast.autoscaler.runtime.PolicyTicker;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Explain API over the policy registry: status of every policy, the last decision of one, manual overrides. */
@Path("/scaling")
@Produces(MediaType.APPLICATION_JSON)
public class ScalingResource {

    /** Overrides last at most a week: a forgotten pin should not outlive the next release. */
    static final long MAX_TTL_SECONDS = 7 * 86_400;

    private final PolicyRegistry registry;
    private final ObjectMapper json;
    private final Clock clock;
    private final PolicyTicker ticker;

    ScalingResource(PolicyRegistry registry, ObjectMapper json, Clock clock, PolicyTicker ticker) {
        this.registry = registry;
        this.ticker = ticker;
        this.json = json;
        this.clock = clock;
    }

    /** One row of GET /scaling/status. */
    public record PolicyStatus(String namespace, String name, Integer currentReplicas, Integer desiredReplicas,
                               int minReplicas, int maxReplicas, Instant lastScaleTime, List<Condition> conditions,
                               OverrideRecord override) {
    }

    /** GET .../decision: the last decision with the policy's identity (without the stored history, which can be large). */
    public record DecisionView(String namespace, String name, DecisionSummary decision) {
    }

    /** A decision as explained to people: what was measured, what each metric proposed, what was chosen and why. */
    public record DecisionSummary(Instant timestamp, int currentReplicas, int desiredReplicas, boolean rescale,
                                  String reason, List<MetricStatus> metrics, List<Condition> conditions,
                                  Decision.Forecast forecast) {

        static DecisionSummary of(Decision d) {
            return new DecisionSummary(d.timestamp(), d.currentReplicas(), d.desiredReplicas(), d.rescale(), d.reason(),
                    d.metrics(), d.conditions(), d.forecast());
        }
    }

    /** The override as stored, with its audit trail. */
    public record OverrideView(String namespace, String name, OverrideRecord override, List<AuditEntry> audit) {
    }

    @GET
    @Path("/status")
    @Operation(summary = "Every policy with current, desired, min, max, last scale time and conditions")
    public List<PolicyStatus> status() {
        Instant now = clock.instant();
        List<PolicyStatus> out = new ArrayList<>();
        for (PolicyState s : registry.all()) {
            Decision d = s.lastDecision();
            OverrideRecord o = s.override() != null && now.isBefore(s.override().expiresAt()) ? s.override() : null;
            out.add(new PolicyStatus(s.key().namespace(), s.key().name(), d == null ? null : d.currentReplicas(),
                    d == null ? null : d.desiredReplicas(), s.spec().effectiveMinReplicas(), s.spec().maxReplicas(),
                    s.lastScaleTime(), d == null ? List.of() : d.conditions(), o));
        }
        out.sort(Comparator.comparing(PolicyStatus::namespace).thenComparing(PolicyStatus::name));
        return out;
    }

    @GET
    @Path("/policies/{namespace}/{name}/decision")
    @Operation(summary = "The last decision: each metric's value, target and proposal, the conditions and the reason")
    public Response decision(@PathParam("namespace") String namespace, @PathParam("name") String name) {
        PolicyKey key = new PolicyKey(namespace, name);
        PolicyState s = registry.find(key).orElse(null);
        if (s == null) {
            return Problem.notFound("no ScalingPolicy " + key + " is known to the autoscaler");
        }
        if (s.lastDecision() == null) {
            return Problem.notFound("ScalingPolicy " + key + " has no decision yet (it is evaluated every "
                    + s.spec().ballast().pollingIntervalSeconds() + "s)");
        }
        return Response.ok(new DecisionView(namespace, name, DecisionSummary.of(s.lastDecision()))).build();
    }

    @POST
    @Path("/policies/{namespace}/{name}/override")
    @Operation(summary = "Pin the target to {replicas} for {ttlSeconds}, with a {reason} (audited)")
    public Response setOverride(@PathParam("namespace") String namespace, @PathParam("name") String name, String body) {
        PolicyKey key = new PolicyKey(namespace, name);
        if (registry.find(key).isEmpty()) {
            return Problem.notFound("no ScalingPolicy " + key + " is known to the autoscaler");
        }
        JsonNode node;
        try {
            node = body == null || body.isBlank() ? null : json.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidRequestException("body", "is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException("body", "must be {\"replicas\": n, \"reason\": \"...\", \"ttlSeconds\": s}");
        }
        List<Violation> violations = new ArrayList<>();
        JsonNode replicas = node.get("replicas");
        if (replicas == null || !replicas.isIntegralNumber() || !replicas.canConvertToInt() || replicas.intValue() < 0) {
            violations.add(new Violation("replicas", "Required value: an integer >= 0"));
        }
        JsonNode reason = node.get("reason");
        if (reason == null || !reason.isTextual() || reason.asText().isBlank()) {
            violations.add(new Violation("reason", "Required value: say why the target is pinned"));
        }
        JsonNode ttl = node.get("ttlSeconds");
        if (ttl == null || !ttl.isIntegralNumber() || ttl.longValue() < 1 || ttl.longValue() > MAX_TTL_SECONDS) {
            violations.add(new Violation("ttlSeconds", "Required value: an integer between 1 and " + MAX_TTL_SECONDS));
        }
        if (!violations.isEmpty()) {
            throw new InvalidRequestException(violations);
        }
        Instant now = clock.instant();
        PolicyState s = registry.setOverride(key, replicas.intValue(), reason.asText(), now.plusSeconds(ttl.longValue()), now)
                .orElseThrow();
        ticker.overrideChanged(key);
        return Response.ok(new OverrideView(namespace, name, s.override(), s.audit())).build();
    }

    @DELETE
    @Path("/policies/{namespace}/{name}/override")
    @Operation(summary = "Clear the override; the engine decides again from the next cycle")
    public Response clearOverride(@PathParam("namespace") String namespace, @PathParam("name") String name) {
        PolicyKey key = new PolicyKey(namespace, name);
        if (registry.clearOverride(key, clock.instant()).isEmpty()) {
            return Problem.notFound("no ScalingPolicy " + key + " is known to the autoscaler");
        }
        ticker.overrideChanged(key);
        return Response.noContent().build();
    }
}
