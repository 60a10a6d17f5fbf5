package dev.ballast.system.observability;

import dev.ballast.simulator.InferenceSimulator;
import dev.ballast.simulator.SimulatorConfig;
import dev.ballast.testing.LoopbackHttpServer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ballast.testing.RedisServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local suite as `./ballast up` runs it, on free loopback ports: redis-server, three inference simulators, the
 * api-gateway, metrics-exporter and autoscaler from their packaged jars, a Qdrant stand-in and a stand-in nvidia-smi
 * (no vector database or GPU here), and Prometheus scraping all of it. A background ticker drives traffic through the
 * gateway, events into the exporter and a Celery queue that grows by two jobs a second.
 */
final class LocalStack implements AutoCloseable {

    static final String MODEL = "llama-3-8b";
    static final String QUEUE = "celery";

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final List<ServiceProcess> services = new ArrayList<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "live-stack-traffic");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong queued = new AtomicLong();
    private RedisServer redis;
    private int gatewayPort;
    private int exporterPort;
    private int autoscalerPort;
    private PrometheusServer prometheus;

    static LocalStack start(Path work) throws IOException {
        LocalStack stack = new LocalStack();
        try {
            stack.startAll(work);
            return stack;
        } catch (RuntimeException | Error | IOException e) {
            stack.close();
            throw e;
        }
    }

    private void startAll(Path work) throws IOException {
        redis = RedisServer.start();
        resources.add(redis);
        List<String> simulators = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            InferenceSimulator sim = InferenceSimulator.start(SimulatorConfig.builder().port(0).name("sim-" + i)
                    .model(MODEL).slots(8).ttftMillis(20).tokensPerSecond(400).outputTokens(8).jitter(0.1).build());
            resources.add(sim);
            simulators.add("127.0.0.1:" + sim.port());
        }
        LoopbackHttpServer qdrant = LoopbackHttpServer.start().handle("/collections", exchange -> {
            String body = exchange.getRequestURI().getPath().equals("/collections")
                    ? "{\"result\":{\"collections\":[{\"name\":\"docs\"}]},\"status\":\"ok\",\"time\":0.001}"
                    : "{\"result\":{\"status\":\"green\",\"optimizer_status\":\"ok\",\"indexed_vectors_count\":90,"
                    + "\"points_count\":100,\"segments_count\":2,\"config\":{\"params\":{\"vectors\":{\"size\":4,"
                    + "\"distance\":\"Cosine\"}}}},\"status\":\"ok\",\"time\":0.001}";
            LoopbackHttpServer.send(exchange, 200, "application/json", body, Map.of());
        });
        resources.add(qdrant);
        Path nvidiaSmi = work.resolve("nvidia-smi");
        Files.writeString(nvidiaSmi, "#!/bin/sh\necho '0, GPU-7f3c2a10-0000-4000-8000-000000000001, NVIDIA A100-SXM4-40GB, "
                + "37, 1024, 40960, 45, 120.5'\n");
        Files.setPosixFilePermissions(nvidiaSmi, PosixFilePermissions.fromString("rwxr-xr-x"));

        gatewayPort = ServiceProcess.freePort();
        int gatewayManagement = ServiceProcess.freePort();
        exporterPort = ServiceProcess.freePort();
        autoscalerPort = ServiceProcess.freePort();
        // chosen up front: the autoscaler's demo policies query this Prometheus (and backfill their forecast from it)
        int prometheusPort = ServiceProcess.freePort();
        services.add(ServiceProcess.quarkus("api-gateway", List.of(
                "quarkus.http.port=" + gatewayPort, "quarkus.management.port=" + gatewayManagement,
                "ballast.gateway.upstreams.llm.endpoints=" + String.join(",", simulators),
                "ballast.gateway.upstreams.llm.strategy=least-request",
                "ballast.gateway.upstreams.llm.health.path=/health",
                "ballast.gateway.upstreams.llm.health.interval=1s",
                "ballast.gateway.routes.openai.prefix=/v1/", "ballast.gateway.routes.openai.upstream=llm",
                "ballast.gateway.routes.ollama.prefix=/api/", "ballast.gateway.routes.ollama.upstream=llm",
                // One generate every 500 ms against 1/s: about every other one is answered 429 (rate-limited panels).
                "ballast.gateway.routes.ollama.rate-limit.rate=1/s", "ballast.gateway.routes.ollama.rate-limit.key=route",
                "quarkus.redis.hosts=" + redis.uri()),
                work, URI.create("http://127.0.0.1:" + gatewayManagement + "/q/health/ready")));
        List<String> exporter = new ArrayList<>(List.of("quarkus.http.port=" + exporterPort,
                "quarkus.redis.hosts=" + redis.uri(),
                "ballast.exporter.task-queues.celery.interval=1s",
                "ballast.exporter.ollama.sim-1.url=http://" + simulators.get(0), "ballast.exporter.ollama.sim-1.interval=1s",
                "ballast.exporter.openai.sim-1.url=http://" + simulators.get(0) + "/v1",
                "ballast.exporter.openai.sim-1.interval=1s",
                "ballast.exporter.qdrant.vectors.url=" + qdrant.url(""), "ballast.exporter.qdrant.vectors.interval=1s",
                "ballast.exporter.gpu.command=" + nvidiaSmi, "ballast.exporter.gpu.interval=1s"));
        for (int i = 0; i < simulators.size(); i++) {
            exporter.add("ballast.exporter.vllm.sim-" + (i + 1) + ".url=http://" + simulators.get(i) + "/metrics");
            exporter.add("ballast.exporter.vllm.sim-" + (i + 1) + ".interval=1s");
        }
        services.add(ServiceProcess.quarkus("metrics-exporter", exporter, work,
                URI.create("http://127.0.0.1:" + exporterPort + "/q/health/ready")));
        // The demo policies of the local suite (dry-run) so the ballast_autoscaler_policy_* series exist.
        services.add(ServiceProcess.quarkus("autoscaler", List.of("quarkus.http.port=" + autoscalerPort,
                "quarkus.redis.hosts=" + redis.uri(), "ballast.autoscaler.policies-file=classpath:local/demo-policies.yaml",
                "ballast.autoscaler.runtime.prometheus-url=http://127.0.0.1:" + prometheusPort), work,
                URI.create("http://127.0.0.1:" + autoscalerPort + "/q/health/ready")));
        resources.addAll(services);

        prometheus = PrometheusServer.start(Map.of(
                "ballast-gateway", List.of("127.0.0.1:" + gatewayManagement),
                "ballast-exporter", List.of("127.0.0.1:" + exporterPort),
                "ballast-autoscaler", List.of("127.0.0.1:" + autoscalerPort),
                "inference-simulator", simulators), prometheusPort, work);
        resources.add(prometheus);
    }

    List<ServiceProcess> services() {
        return services;
    }

    PrometheusServer prometheus() {
        return prometheus;
    }

    long queued() {
        return queued.get();
    }

    /** Starts the ticker: every 500 ms two chat completions and an Ollama generate through the gateway, an unmatched
     * path, one inference and one vector-search event into the exporter, and one more job on the Celery queue. */
    void driveTraffic() {
        ticker.scheduleAtFixedRate(this::tick, 0, 500, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        String gateway = "http://127.0.0.1:" + gatewayPort;
        String chat = "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
        post(gateway + "/v1/chat/completions", chat);
        post(gateway + "/v1/chat/completions", chat);
        post(gateway + "/api/generate", "{\"model\":\"" + MODEL + "\",\"prompt\":\"hi\",\"stream\":false}");
        ServiceProcess.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(gateway + "/not-routed")).build(),
                HttpResponse.BodyHandlers.discarding());
        post("http://127.0.0.1:" + exporterPort + "/v1/events", "[{\"kind\":\"inference\",\"model\":\"" + MODEL
                + "\",\"provider\":\"vllm\",\"operation\":\"chat\",\"status\":\"ok\",\"duration_seconds\":0.2,"
                + "\"time_to_first_token_seconds\":0.05,\"input_tokens\":12,\"output_tokens\":8},"
                + "{\"kind\":\"vector_search\",\"collection\":\"docs\",\"duration_seconds\":0.004,\"results\":5}]");
        try {
            lpush(QUEUE, "{\"id\":\"job-" + queued.incrementAndGet() + "\"}");
        } catch (IOException e) {
            queued.decrementAndGet();
        }
    }

    /** The autoscaler's last decision for a demo policy (GET /scaling/policies/{ns}/{name}/decision), or null. */
    JsonNode decision(String namespace, String name) throws IOException, InterruptedException {
        HttpResponse<String> response = ServiceProcess.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + autoscalerPort + "/scaling/policies/" + namespace + "/" + name + "/decision"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? ObservabilitySources.JSON.readTree(response.body()).path("decision") : null;
    }

    /** Pins the demo policy local/llm with a short manual override, so the override gauge changes (0 -> 1). */
    void pinDemoPolicy() {
        post("http://127.0.0.1:" + autoscalerPort + "/scaling/policies/local/llm/override",
                "{\"replicas\": 2, \"reason\": \"live stack test\", \"ttlSeconds\": 600}");
    }

    private static void post(String url, String json) {
        ServiceProcess.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.discarding());
    }

    /** One LPUSH in RESP, the way Celery's kombu adds a message to a queue list. */
    private void lpush(String key, String value) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", redis.port())) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            StringBuilder command = new StringBuilder("*3\r\n");
            for (String part : List.of("LPUSH", key, value)) {
                command.append('$').append(part.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(part).append("\r\n");
            }
            out.write(command.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            int first = in.read();
            if (first != ':') {
                throw new IOException("LPUSH answered " + (char) first);
            }
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                System.err.println("live stack: closing " + resources.get(i) + " failed: " + e);
            }
        }
    }
}
