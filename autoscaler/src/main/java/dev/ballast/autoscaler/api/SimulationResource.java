package dev.ballast.autoscaler.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.DecisionEngine;
import dev.ballast.autoscaler.engine.DecisionInput;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import java.time.Clock;

/** {@code POST /scaling/simulate}: runs the decision engine on a pasted spec and observation, touching nothing. */
@Path("/scaling/simulate")
public class SimulationResource {

    private final ObjectMapper json;
    private final DecisionEngine engine;
    private final Clock clock;

    SimulationResource(ObjectMapper json, DecisionEngine engine, Clock clock) {
        this.json = json;
        this.engine = engine;
        this.clock = clock;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "What-if: the replicas the engine would choose for this spec and observation, and why")
    public SimulationResponse simulate(@RequestBody(description = "{\"spec\": ScalingPolicy spec, \"observed\": {...}}",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = SimulationRequestSchema.class))) String body) {
        DecisionInput input = new SimulationRequestReader(json).read(body, clock.instant());
        Decision decision = engine.decide(input);
        return SimulationResponse.of(decision);
    }
}
