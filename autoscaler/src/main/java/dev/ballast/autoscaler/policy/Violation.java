package dev.ballast.autoscaler.policy;

/** One validation failure: the JSON path of the field at fault and what is wrong with it. */
public record Violation(String field, String message) {

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
