package dev.ballast.exporter.intake;

/** What is wrong with one event: its position in the batch, the field, and what to send instead. */
public record Violation(int index, String field, String message) {
}
