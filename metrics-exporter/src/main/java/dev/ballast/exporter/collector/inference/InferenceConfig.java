package dev.ballast.exporter.collector.inference;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Inference servers to collect from, by kind and name, e.g. {@code ballast.exporter.vllm.main.url=http://vllm:8000/metrics}. */
@ConfigMapping(prefix = "ballast.exporter")
public interface InferenceConfig {

    Map<String, ScrapedServer> vllm();

    Map<String, ScrapedServer> tgi();

    Map<String, ScrapedServer> triton();

    Map<String, OllamaServer> ollama();

    Map<String, OpenAiServer> openai();

    interface ScrapedServer {
        /** The server's Prometheus endpoint, e.g. {@code http://vllm:8000/metrics}, {@code http://triton:8002/metrics}. */
        String url();

        /** Model label for servers that do not name their model (TGI); defaults to the target name. */
        Optional<String> model();

        @WithDefault("15s")
        Duration interval();

        @WithDefault("5s")
        Duration timeout();
    }

    interface OllamaServer {
        /** Base URL, e.g. {@code http://localhost:11434}. */
        String url();

        @WithDefault("15s")
        Duration interval();

        @WithDefault("5s")
        Duration timeout();
    }

    interface OpenAiServer {
        /** Base URL up to and including {@code /v1}, e.g. {@code http://vllm:8000/v1}. */
        String url();

        /** Sent as {@code Authorization: Bearer}. */
        Optional<String> apiKey();

        @WithDefault("30s")
        Duration interval();

        @WithDefault("10s")
        Duration timeout();

        Probe probe();

        interface Probe {
            /** Send a tiny streamed chat completion each interval to measure time to first token and tokens per second. Off by default: it costs tokens. */
            @WithDefault("false")
            boolean enabled();

            /** Model for the probe; defaults to the first model /v1/models lists. */
            Optional<String> model();

            @WithDefault("16")
            int maxTokens();
        }
    }
}
