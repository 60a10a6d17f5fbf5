package dev.ballast.exporter.collector.inference;

import dev.ballast.simulator.InferenceSimulator;
import dev.ballast.simulator.SimulatorConfig;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

/**
 * Runs the project's inference simulator (vLLM metrics, Ollama and OpenAI APIs) on a free loopback port,
 * serves a few completions so its counters are not zero, and points the vLLM and Ollama collectors at
 * it; the OpenAI collector with its probe goes to a second instance.
 */
public class SimulatorResource implements QuarkusTestResourceLifecycleManager {

    static final String MODEL = "llama-3-8b";
    static final int COMPLETIONS = 3;
    static final int OUTPUT_TOKENS = 8;
    static InferenceSimulator simulator;
    /** A second instance for the probe, so probe traffic never moves the counters the first one is checked by. */
    static InferenceSimulator probed;

    @Override
    public Map<String, String> start() {
        simulator = InferenceSimulator.start(SimulatorConfig.builder()
                .port(0).name("exporter-test").model(MODEL)
                .ttftMillis(0).tokensPerSecond(100_000).outputTokens(OUTPUT_TOKENS).jitter(0).seed(7L)
                .build());
        probed = InferenceSimulator.start(SimulatorConfig.builder()
                .port(0).name("exporter-probe").model(MODEL)
                .ttftMillis(5).tokensPerSecond(1000).outputTokens(OUTPUT_TOKENS).jitter(0).seed(7L)
                .build());
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < COMPLETIONS; i++) {
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + "/v1/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}"))
                        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("simulator answered " + response.statusCode() + ": " + response.body());
                }
            } catch (java.io.IOException | InterruptedException e) {
                throw new IllegalStateException("could not warm up the simulator", e);
            }
        }
        String base = simulator.baseUrl();
        return Map.of(
                "ballast.exporter.vllm.sim.url", base + "/metrics",
                "ballast.exporter.vllm.sim.interval", "1s",
                "ballast.exporter.ollama.sim.url", base,
                "ballast.exporter.ollama.sim.interval", "1s",
                "ballast.exporter.openai.sim.url", probed.baseUrl() + "/v1",
                "ballast.exporter.openai.sim.interval", "1s",
                "ballast.exporter.openai.sim.probe.enabled", "true");
    }

    @Override
    public void stop() {
        if (simulator != null) {
            simulator.close();
        }
        if (probed != null) {
            probed.close();
        }
    }
}
