package dev.ballast.autoscaler.source;

/** Bodies of Prometheus HTTP API answers, for stand-in Prometheus servers in tests. */
public final class PrometheusAnswers {

    private PrometheusAnswers() {
    }

    /** An instant query's answer: one series without labels whose sample has {@code value} (as Prometheus writes it). */
    public static String vector(String value) {
        return """
                {"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1767225600,"%s"]}]}}"""
                .formatted(value);
    }

    public static String vector(double value) {
        return vector(String.valueOf(value));
    }
}
