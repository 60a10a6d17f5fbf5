package dev.ballast.simulator.admin;

import dev.ballast.simulator.SimulatorStats;
import dev.ballast.simulator.fault.FaultRequest;
import dev.ballast.simulator.fault.FaultSwitch;
import dev.ballast.simulator.fault.Faults;
import dev.ballast.simulator.http.Json;
import dev.ballast.simulator.http.JsonBodies;
import dev.ballast.simulator.http.Problems;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/**
 * The simulator's own control surface: read, change and reset faults ({@code /admin/faults}) and read
 * counters ({@code /admin/stats}). Bad input gets a 400 problem detail and changes nothing.
 */
public final class AdminEndpoints {

    private final FaultSwitch faults;
    private final Supplier<SimulatorStats> stats;

    public AdminEndpoints(FaultSwitch faults, Supplier<SimulatorStats> stats) {
        this.faults = faults;
        this.stats = stats;
    }

    public void getFaults(HttpServerRequest request) {
        Json.send(request.response(), 200, faults.current().toJson());
    }

    public void postFaults(HttpServerRequest request) {
        JsonBodies.read(request, message -> Problems.send(request.response(), 400, "Invalid Fault Settings", message),
                body -> {
                    Faults next;
                    try {
                        next = FaultRequest.apply(faults.current(), body);
                    } catch (IllegalArgumentException e) {
                        Problems.send(request.response(), 400, "Invalid Fault Settings", e.getMessage());
                        return;
                    }
                    Json.send(request.response(), 200, faults.set(next).toJson());
                });
    }

    public void deleteFaults(HttpServerRequest request) {
        Json.send(request.response(), 200, faults.reset().toJson());
    }

    public void getStats(HttpServerRequest request) {
        SimulatorStats snapshot = stats.get();
        JsonObject body = new JsonObject()
                .put("served", snapshot.served())
                .put("inFlight", snapshot.inFlight())
                .put("running", snapshot.running())
                .put("queued", snapshot.queued())
                .put("hanging", snapshot.hanging())
                .put("rejected", snapshot.rejected())
                .put("injectedErrors", snapshot.injectedErrors())
                .put("aborted", snapshot.aborted())
                .put("promptTokens", snapshot.promptTokens())
                .put("generationTokens", snapshot.generationTokens());
        Json.send(request.response(), 200, body);
    }
}
