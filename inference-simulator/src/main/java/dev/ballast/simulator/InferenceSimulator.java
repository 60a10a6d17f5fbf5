package dev.ballast.simulator;

import dev.ballast.simulator.fault.FaultSwitch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A running simulated inference server, embeddable in any test or benchmark:
 * <pre>{@code
 * try (InferenceSimulator sim = InferenceSimulator.start(SimulatorConfig.builder().port(0).ttftMillis(1).build())) {
 *     URI chat = URI.create(sim.baseUrl() + "/v1/chat/completions");
 *     sim.faults().update(f -> f.withErrorRate(1.0));
 * }
 * }</pre>
 */
public final class InferenceSimulator implements AutoCloseable {

    private static final long STARTUP_TIMEOUT_SECONDS = 30;

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final String deploymentId;
    private final SimulatorVerticle verticle;
    private final SimulatorConfig config;
    private final FaultSwitch faults;
    private volatile boolean closed;

    private InferenceSimulator(Vertx vertx, boolean ownsVertx, String deploymentId, SimulatorVerticle verticle,
                               SimulatorConfig config, FaultSwitch faults) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.deploymentId = deploymentId;
        this.verticle = verticle;
        this.config = config;
        this.faults = faults;
    }

    /** Starts on its own Vert.x instance and returns once the port is bound; {@link #close()} stops both. */
    public static InferenceSimulator start(SimulatorConfig config) {
        Vertx vertx = Vertx.vertx();
        try {
            return await(start(vertx, config, true));
        } catch (RuntimeException e) {
            vertx.close();
            throw e;
        }
    }

    /** Starts on a given Vert.x instance and returns once the port is bound; {@link #close()} leaves that instance running. */
    public static InferenceSimulator start(Vertx vertx, SimulatorConfig config) {
        return await(start(vertx, config, false));
    }

    /** Non-blocking start for callers already on an event loop. */
    public static Future<InferenceSimulator> startAsync(Vertx vertx, SimulatorConfig config) {
        return start(vertx, config, false);
    }

    private static Future<InferenceSimulator> start(Vertx vertx, SimulatorConfig config, boolean ownsVertx) {
        FaultSwitch faults = new FaultSwitch();
        SimulatorVerticle verticle = new SimulatorVerticle(config, faults);
        return vertx.deployVerticle(verticle)
                .map(id -> new InferenceSimulator(vertx, ownsVertx, id, verticle, config, faults));
    }

    public int port() {
        return verticle.actualPort();
    }

    public String host() {
        return config.host();
    }

    /** For example {@code http://127.0.0.1:41234}, without a trailing slash. */
    public String baseUrl() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + host + ":" + port();
    }

    public SimulatorConfig config() {
        return config;
    }

    /** Switches faults at runtime, the programmatic twin of {@code POST /admin/faults}. */
    public FaultSwitch faults() {
        return faults;
    }

    /** A snapshot of the counters behind {@code GET /admin/stats}. */
    public SimulatorStats stats() {
        return verticle.engine().stats();
    }

    /** Stops listening, drops open connections and cancels pending timers; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            await(vertx.undeploy(deploymentId));
        } finally {
            if (ownsVertx) {
                // awaited separately: chaining onto the undeploy future would complete on a closed event loop
                await(vertx.close());
            }
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(STARTUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the simulator", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the simulator did not start or stop within " + STARTUP_TIMEOUT_SECONDS + " s", e);
        }
    }
}
