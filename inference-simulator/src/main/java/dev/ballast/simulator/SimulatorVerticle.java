package dev.ballast.simulator;

import dev.ballast.simulator.admin.AdminEndpoints;
import dev.ballast.simulator.fault.FaultSwitch;
import dev.ballast.simulator.generation.InferenceEngine;
import dev.ballast.simulator.http.Json;
import dev.ballast.simulator.http.Routes;
import dev.ballast.simulator.ollama.OllamaEndpoints;
import dev.ballast.simulator.openai.OpenAiEndpoints;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * The HTTP server of one simulator. Deployed as a single verticle so the engine's queue and slots are
 * touched by one event loop only; timers and the server go away when it is undeployed.
 */
final class SimulatorVerticle extends AbstractVerticle {

    /** Response header naming the instance, so gateway tests can see which backend answered. */
    static final String INSTANCE_HEADER = "X-Ballast-Simulator";

    private final SimulatorConfig config;
    private final FaultSwitch faults;
    private final Buffer benchBody;
    private volatile InferenceEngine engine;
    private HttpServer server;

    SimulatorVerticle(SimulatorConfig config, FaultSwitch faults) {
        this.config = config;
        this.faults = faults;
        this.benchBody = Buffer.buffer(new JsonObject().put("ok", true).put("name", config.name()).encode());
    }

    @Override
    public void start(Promise<Void> started) {
        RandomGenerator random = config.seed() == null ? new Random() : new Random(config.seed());
        engine = new InferenceEngine(vertx, config, faults, random);
        OpenAiEndpoints openAi = new OpenAiEndpoints(config, engine, random);
        OllamaEndpoints ollama = new OllamaEndpoints(config, engine);
        AdminEndpoints admin = new AdminEndpoints(faults, engine::stats);
        Routes routes = new Routes()
                .add(HttpMethod.POST, "/v1/chat/completions", openAi::chatCompletions)
                .add(HttpMethod.POST, "/v1/completions", openAi::completions)
                .add(HttpMethod.GET, "/v1/models", openAi::models)
                .add(HttpMethod.POST, "/api/generate", ollama::generate)
                .add(HttpMethod.POST, "/api/chat", ollama::chat)
                .add(HttpMethod.GET, "/api/ps", ollama::ps)
                .add(HttpMethod.GET, "/api/tags", ollama::tags)
                .add(HttpMethod.GET, "/api/version", ollama::version)
                .add(HttpMethod.GET, "/metrics", this::metrics)
                .add(HttpMethod.GET, "/health", this::health)
                .add(HttpMethod.GET, "/bench", this::bench)
                .add(HttpMethod.POST, "/bench", this::bench)
                .add(HttpMethod.GET, "/admin/faults", admin::getFaults)
                .add(HttpMethod.POST, "/admin/faults", admin::postFaults)
                .add(HttpMethod.DELETE, "/admin/faults", admin::deleteFaults)
                .add(HttpMethod.GET, "/admin/stats", admin::getStats);
        HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setTcpNoDelay(true)
                .setHttp2ClearTextEnabled(false); // vLLM (uvicorn) and Ollama (net/http) speak HTTP/1.1 only
        vertx.createHttpServer(options)
                .requestHandler(request -> {
                    request.response().putHeader(INSTANCE_HEADER, config.name());
                    routes.handle(request);
                })
                .listen()
                .onSuccess(bound -> {
                    server = bound;
                    started.complete();
                })
                .onFailure(cause -> started.fail(new IllegalStateException(
                        "cannot listen on " + config.host() + ":" + config.port() + ": " + cause.getMessage(), cause)));
    }

    int actualPort() {
        return server.actualPort();
    }

    InferenceEngine engine() {
        return engine;
    }

    private void metrics(HttpServerRequest request) {
        request.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(engine.metrics().render());
    }

    /** Like vLLM's /health: 200 with an empty body; the healthFailing fault turns it into 503. */
    private void health(HttpServerRequest request) {
        if (faults.current().healthFailing()) {
            Json.send(request.response(), 503, new JsonObject().put("status", "unhealthy")
                    .put("detail", "healthFailing fault is on"));
        } else {
            request.response().setStatusCode(200).end();
        }
    }

    /** Benchmark fast path: a fixed tiny body, no queue, no timers, no parsing; only errorRate and hang apply. */
    private void bench(HttpServerRequest request) {
        var active = faults.current();
        if (active.hang()) {
            return;
        }
        if (active.errorRate() > 0 && Math.random() < active.errorRate()) {
            Json.send(request.response(), active.errorStatus(), new JsonObject().put("error", "injected fault"));
            return;
        }
        request.response().putHeader("Content-Type", "application/json").end(benchBody);
    }
}
