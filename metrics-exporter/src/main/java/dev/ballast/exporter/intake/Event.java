package dev.ballast.exporter.intake;

/** A validated event from an application that cannot be scraped. */
public sealed interface Event {

    /** One call to a model (OpenTelemetry GenAI: operation, provider, request model). */
    record Inference(String model, String provider, String operation, boolean failed, String errorType, double durationSeconds,
                     Double timeToFirstTokenSeconds, Long inputTokens, Long outputTokens, Double loadDurationSeconds) implements Event {
    }

    /** A change in an agent task's life: queued, started, succeeded or failed. */
    record AgentTask(String agent, String taskType, AgentStatus status, Double durationSeconds) implements Event {
    }

    /** One search in a vector database collection. */
    record VectorSearch(String collection, double durationSeconds, long results) implements Event {
    }

    enum AgentStatus { QUEUED, STARTED, SUCCEEDED, FAILED }
}
