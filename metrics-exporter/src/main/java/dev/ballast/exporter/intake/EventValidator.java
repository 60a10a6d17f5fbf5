package dev.ballast.exporter.intake;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks a batch of events field by field and reports every problem with the event's index and field,
 * so a caller can fix a whole batch at once. Pure: no I/O, no state.
 */
public final class EventValidator {

    /** Label values: printable, bounded in length, so a client cannot push huge or binary label values. */
    static final int MAX_LABEL_LENGTH = 128;
    private static final Pattern PRINTABLE = Pattern.compile("[\\p{Graph} ]+");

    /** The outcome: either events (when there are no violations) or violations. */
    public record Result(List<Event> events, List<Violation> violations) {
        public boolean valid() {
            return violations.isEmpty();
        }
    }

    public Result validate(JsonNode batch) {
        List<Violation> violations = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        if (batch == null || !batch.isArray()) {
            violations.add(new Violation(-1, "$", "the body must be a JSON array of events"));
            return new Result(List.of(), violations);
        }
        for (int i = 0; i < batch.size(); i++) {
            JsonNode node = batch.get(i);
            Checker c = new Checker(i, node, violations);
            if (!node.isObject()) {
                violations.add(new Violation(i, "$", "each event must be a JSON object"));
                continue;
            }
            String kind = c.text("kind");
            if (kind == null) {
                continue;
            }
            Event event = switch (kind) {
                case "inference" -> inference(c);
                case "agent_task" -> agentTask(c);
                case "vector_search" -> vectorSearch(c);
                default -> {
                    violations.add(new Violation(i, "kind", "must be one of inference, agent_task, vector_search; got '" + kind + "'"));
                    yield null;
                }
            };
            if (event != null && c.ok()) {
                events.add(event);
            }
        }
        return new Result(violations.isEmpty() ? List.copyOf(events) : List.of(), List.copyOf(violations));
    }

    private static Event inference(Checker c) {
        String model = c.text("model");
        String provider = c.text("provider");
        String operation = c.text("operation");
        String status = c.text("status");
        Double duration = c.seconds("duration_seconds", true);
        Double ttft = c.seconds("time_to_first_token_seconds", false);
        Double load = c.seconds("load_duration_seconds", false);
        Long input = c.count("input_tokens", false);
        Long output = c.count("output_tokens", false);
        String errorType = c.optionalText("error_type");
        boolean failed = false;
        if (status != null) {
            switch (status) {
                case "ok" -> failed = false;
                case "error" -> failed = true;
                default -> c.violation("status", "must be 'ok' or 'error'; got '" + status + "'");
            }
        }
        if (!failed && errorType != null) {
            c.violation("error_type", "is only allowed with status 'error'");
        }
        if (ttft != null && duration != null && ttft > duration) {
            c.violation("time_to_first_token_seconds", "cannot exceed duration_seconds");
        }
        if (!c.ok()) {
            return null;
        }
        return new Event.Inference(model, provider, operation, failed, failed ? (errorType == null ? "_OTHER" : errorType) : null,
                duration, ttft, input, output, load);
    }

    private static Event agentTask(Checker c) {
        String agent = c.text("agent");
        String taskType = c.text("task_type");
        String status = c.text("status");
        Event.AgentStatus parsed = null;
        if (status != null) {
            try {
                parsed = Event.AgentStatus.valueOf(status.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                c.violation("status", "must be one of queued, started, succeeded, failed; got '" + status + "'");
            }
        }
        boolean finished = parsed == Event.AgentStatus.SUCCEEDED || parsed == Event.AgentStatus.FAILED;
        Double duration = c.seconds("duration_seconds", finished);
        if (!c.ok()) {
            return null;
        }
        return new Event.AgentTask(agent, taskType, parsed, duration);
    }

    private static Event vectorSearch(Checker c) {
        String collection = c.text("collection");
        Double duration = c.seconds("duration_seconds", true);
        Long results = c.count("results", true);
        if (!c.ok()) {
            return null;
        }
        return new Event.VectorSearch(collection, duration, results);
    }

    /** Field checks for one event, collecting violations. */
    private static final class Checker {
        private final int index;
        private final JsonNode node;
        private final List<Violation> violations;
        private final int before;

        Checker(int index, JsonNode node, List<Violation> violations) {
            this.index = index;
            this.node = node;
            this.violations = violations;
            this.before = violations.size();
        }

        boolean ok() {
            return violations.size() == before;
        }

        void violation(String field, String message) {
            violations.add(new Violation(index, field, message));
        }

        String text(String field) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                violation(field, "is required");
                return null;
            }
            return label(field, value);
        }

        String optionalText(String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : label(field, value);
        }

        private String label(String field, JsonNode value) {
            if (!value.isTextual()) {
                violation(field, "must be a string");
                return null;
            }
            String text = value.textValue();
            if (text.isEmpty() || text.length() > MAX_LABEL_LENGTH || !PRINTABLE.matcher(text).matches()) {
                violation(field, "must be 1 to " + MAX_LABEL_LENGTH + " printable characters");
                return null;
            }
            return text;
        }

        Double seconds(String field, boolean required) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                if (required) {
                    violation(field, "is required (seconds, a number >= 0)");
                }
                return null;
            }
            if (!value.isNumber() || !Double.isFinite(value.doubleValue()) || value.doubleValue() < 0) {
                violation(field, "must be a number of seconds >= 0");
                return null;
            }
            return value.doubleValue();
        }

        Long count(String field, boolean required) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                if (required) {
                    violation(field, "is required (an integer >= 0)");
                }
                return null;
            }
            if (!value.canConvertToLong() || !value.isIntegralNumber() || value.longValue() < 0) {
                violation(field, "must be an integer >= 0");
                return null;
            }
            return value.longValue();
        }
    }
}
