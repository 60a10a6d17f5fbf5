package dev.ballast.exporter.metrics;

import io.prometheus.client.Collector.MetricFamilySamples;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

class CardinalityTest {

    static final MetricFamily DEPTH = MetricFamily.gauge("test_queue_depth", "Depth.", "system", "queue");

    @Test
    void valuesPastTheCapFoldIntoOtherAndAreCounted() {
        LabelLimiter limiter = new LabelLimiter(2, Map.of(), Set.of("system"));

        assertThat(limiter.admit(DEPTH.name(), "queue", "a")).isEqualTo("a");
        assertThat(limiter.admit(DEPTH.name(), "queue", "b")).isEqualTo("b");
        assertThat(limiter.admit(DEPTH.name(), "queue", "c")).isEqualTo("other");
        assertThat(limiter.admit(DEPTH.name(), "queue", "d")).isEqualTo("other");
        assertThat(limiter.admit(DEPTH.name(), "queue", "a")).as("admitted values stay admitted").isEqualTo("a");

        assertThat(limiter.foldedCounts()).containsEntry(List.of(DEPTH.name(), "queue"), 2L);
    }

    @Test
    void fixedVocabularyLabelsAreNeverFolded() {
        LabelLimiter limiter = new LabelLimiter(1, Map.of(), Set.of("system"));

        limiter.admit(DEPTH.name(), "system", "celery");

        assertThat(limiter.admit(DEPTH.name(), "system", "rq")).isEqualTo("rq");
    }

    @Test
    void aLabelCanHaveItsOwnCap() {
        LabelLimiter limiter = new LabelLimiter(100, Map.of("queue", 1), Set.of());

        limiter.admit(DEPTH.name(), "queue", "a");

        assertThat(limiter.admit(DEPTH.name(), "queue", "b")).isEqualTo("other");
        assertThat(limiter.admit("another_metric", "queue", "b")).as("caps count per metric").isEqualTo("b");
    }

    @Test
    void foldedSeriesWithTheSameLabelsAreSummedIntoOneSeries() {
        LabelLimiter limiter = new LabelLimiter(1, Map.of(), Set.of("system"));
        List<Sample> samples = List.of(DEPTH.sample(3, "rq", "a"), DEPTH.sample(4, "rq", "b"), DEPTH.sample(5, "rq", "c"))
                .stream().map(limiter::admit).toList();
        SampleSource source = (Consumer<Sample> sink) -> samples.forEach(sink);

        List<MetricFamilySamples> families = new SampleExposition(() -> List.of(source)).collect();

        assertThat(families).hasSize(1);
        assertThat(families.get(0).samples).extracting(s -> s.labelValues.get(1) + "=" + s.value)
                .containsExactly("a=3.0", "other=9.0");
    }

    @Test
    void countersAreExposedWithTotalOnTheSampleAndHistogramsWithCumulativeBuckets() {
        MetricFamily requests = MetricFamily.counter("test_requests_total", "Requests.", "model");
        MetricFamily duration = MetricFamily.histogram("test_duration_seconds", "Duration.", "model");
        HistogramData data = new HistogramData(new double[]{0.1, 1}, new long[]{1, 3}, 4, 7.5);
        SampleSource source = sink -> {
            sink.accept(requests.sample(4, "m"));
            sink.accept(duration.histogram(data, "m"));
        };

        List<MetricFamilySamples> families = new SampleExposition(() -> List.of(source)).collect();

        assertThat(families).extracting(f -> f.name).containsExactly("test_duration_seconds", "test_requests");
        assertThat(families.get(1).samples.get(0).name).isEqualTo("test_requests_total");
        assertThat(families.get(0).samples).extracting(s -> s.name + s.labelValues + "=" + s.value).containsExactly(
                "test_duration_seconds_bucket[m, 0.1]=1.0",
                "test_duration_seconds_bucket[m, 1.0]=3.0",
                "test_duration_seconds_bucket[m, +Inf]=4.0",
                "test_duration_seconds_count[m]=4.0",
                "test_duration_seconds_sum[m]=7.5");
    }

    @Test
    void metricNamesThatBreakPrometheusConventionsAreRejectedAtDefinition() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MetricFamily.counter("requests", "Requests."))
                .hasMessageContaining("_total");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MetricFamily.gauge("vllm:running", "Running."))
                .hasMessageContaining("no colons");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MetricFamily.gauge("x_total", "x."))
                .hasMessageContaining("only counters");
    }
}
