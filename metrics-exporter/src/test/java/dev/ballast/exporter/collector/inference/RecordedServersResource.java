package dev.ballast.exporter.collector.inference;

import dev.ballast.testing.LoopbackHttpServer;
import dev.ballast.exporter.testing.Fixtures;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A loopback server replaying recorded response shapes of vLLM (old and new metric names), TGI, Triton,
 * Ollama and an OpenAI-compatible server, plus one target that never answers in time; points the
 * exporter's collectors at them, collecting every second.
 */
public class RecordedServersResource implements QuarkusTestResourceLifecycleManager {

    private LoopbackHttpServer server;
    private final CountDownLatch release = new CountDownLatch(1);


    @Override
    public Map<String, String> start() {
        server = LoopbackHttpServer.start();
        String promText = "text/plain; version=0.0.4; charset=utf-8";
        server.respond("/vllm-new/metrics", 200, promText, Fixtures.read("vllm-v1-new-names.txt"));
        server.respond("/vllm-old/metrics", 200, promText, Fixtures.read("vllm-0.6-old-names.txt"));
        server.respond("/tgi/metrics", 200, promText, Fixtures.read("tgi.txt"));
        server.respond("/triton/metrics", 200, promText, Fixtures.read("triton.txt"));
        server.respond("/ollama/api/ps", 200, "application/json", Fixtures.read("ollama-ps.json"));
        server.respond("/ollama/api/version", 200, "application/json", Fixtures.read("ollama-version.json"));
        server.respond("/openai/v1/models", 200, "application/json", Fixtures.read("openai-models.json"));
        server.respond("/openai/v1/chat/completions", 200, "text/event-stream", Fixtures.read("openai-chat-stream.txt"));
        server.respond("/broken/metrics", 503, "text/plain", "overloaded");
        server.handle("/slow/metrics", exchange -> {
            try {
                release.await(30, TimeUnit.SECONDS); // holds the request far beyond the target's timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LoopbackHttpServer.send(exchange, 200, promText, Fixtures.read("vllm-v1-new-names.txt"), Map.of());
        });
        Map<String, String> config = new HashMap<>();
        target(config, "vllm", "current", "/vllm-new/metrics");
        target(config, "vllm", "legacy", "/vllm-old/metrics");
        target(config, "vllm", "slow", "/slow/metrics");
        target(config, "vllm", "broken", "/broken/metrics");
        target(config, "tgi", "tgi-main", "/tgi/metrics");
        config.put("ballast.exporter.tgi.tgi-main.model", "mistralai/Mistral-7B-Instruct-v0.3");
        target(config, "triton", "triton-main", "/triton/metrics");
        target(config, "ollama", "laptop", "/ollama");
        target(config, "openai", "gateway", "/openai/v1");
        target(config, "openai", "probed", "/openai/v1");
        config.put("ballast.exporter.openai.probed.probe.enabled", "true");
        config.put("ballast.exporter.vllm.slow.timeout", "1s");
        return config;
    }

    private void target(Map<String, String> config, String kind, String name, String path) {
        config.put("ballast.exporter." + kind + "." + name + ".url", server.url(path));
        config.put("ballast.exporter." + kind + "." + name + ".interval", "1s");
    }

    @Override
    public void stop() {
        release.countDown();
        if (server != null) {
            server.close();
        }
    }
}
