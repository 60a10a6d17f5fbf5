package dev.ballast.exporter.collector;

import dev.ballast.exporter.metrics.LabelLimiter;
import dev.ballast.exporter.metrics.MetricFamily;
import dev.ballast.exporter.metrics.Sample;
import dev.ballast.exporter.testing.MutableClock;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

class TargetRunTest {

    static final MetricFamily DEPTH = MetricFamily.gauge("test_depth", "Depth.", "queue");

    record Target(String name, Duration interval, Duration timeout) implements CollectionTarget {
    }

    /** A collector whose answer per target the test decides. */
    static final class ScriptedCollector implements Collector<Target> {
        Function<Target, Uni<List<Sample>>> answer;

        ScriptedCollector(Function<Target, Uni<List<Sample>>> answer) {
            this.answer = answer;
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public List<Target> targets() {
            return List.of();
        }

        @Override
        public Uni<List<Sample>> collect(Target target) {
            return answer.apply(target);
        }
    }

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final LabelLimiter limiter = new LabelLimiter(100, Map.of(), Set.of());
    final Target target = new Target("a", Duration.ofSeconds(10), Duration.ofMillis(200));

    static List<Sample> served(TargetRun<?> run, Instant now) {
        List<Sample> out = new ArrayList<>();
        run.forEachFreshSample(now, out::add);
        return out;
    }

    @Test
    void aSuccessfulCollectionIsServedAndMarksTheTargetUp() {
        var collector = new ScriptedCollector(t -> Uni.createFrom().item(List.of(DEPTH.sample(5, "celery"))));
        TargetRun<Target> run = new TargetRun<>(collector, target, clock, limiter, 3);

        run.runOnce().await().indefinitely();

        assertThat(run.state().up()).isTrue();
        assertThat(run.state().lastSuccess()).isEqualTo(clock.instant());
        assertThat(served(run, clock.instant())).extracting(Sample::value).containsExactly(5.0);
    }

    @Test
    void afterAFailureTheLastGoodDataIsServedUntilItGoesStaleThenRemoved() {
        var collector = new ScriptedCollector(t -> Uni.createFrom().item(List.of(DEPTH.sample(5, "celery"))));
        TargetRun<Target> run = new TargetRun<>(collector, target, clock, limiter, 3);
        run.runOnce().await().indefinitely();
        collector.answer = t -> Uni.createFrom().failure(new ConnectException("Connection refused"));

        clock.advance(Duration.ofSeconds(10));
        run.runOnce().await().indefinitely();
        assertThat(run.state().up()).isFalse();
        assertThat(served(run, clock.instant())).hasSize(1);

        clock.advance(Duration.ofSeconds(19));
        assertThat(served(run, clock.instant())).as("29 s after the last success: still within 3 intervals").hasSize(1);

        clock.advance(Duration.ofSeconds(1));
        assertThat(served(run, clock.instant())).as("3 intervals after the last success: removed, never frozen").isEmpty();
    }

    @Test
    void aTargetThatNeverAnswersTimesOutAndCountsATimeoutError() {
        var collector = new ScriptedCollector(t -> Uni.createFrom().nothing());
        TargetRun<Target> run = new TargetRun<>(collector, target, clock, limiter, 3);

        run.runOnce().await().atMost(Duration.ofSeconds(5));

        assertThat(run.state().up()).isFalse();
        assertThat(run.state().lastError()).startsWith("timeout");
        assertThat(run.errorCounts()).containsEntry(CollectionException.Reason.TIMEOUT, 1L);
    }

    @Test
    void aSlowTargetTimesOutWhileAnotherTargetOfTheSameCollectorStillCollects() {
        Target slow = new Target("slow", Duration.ofSeconds(10), Duration.ofMillis(100));
        Target quick = new Target("quick", Duration.ofSeconds(10), Duration.ofMillis(100));
        var collector = new ScriptedCollector(t -> t == slow ? Uni.createFrom().nothing()
                : Uni.createFrom().item(List.of(DEPTH.sample(1, "q"))));
        TargetRun<Target> slowRun = new TargetRun<>(collector, slow, clock, limiter, 3);
        TargetRun<Target> quickRun = new TargetRun<>(collector, quick, clock, limiter, 3);

        Uni.join().all(slowRun.runOnce(), quickRun.runOnce()).andFailFast().await().atMost(Duration.ofSeconds(5));

        assertThat(slowRun.state().up()).isFalse();
        assertThat(quickRun.state().up()).isTrue();
        assertThat(served(quickRun, clock.instant())).hasSize(1);
    }

    @Test
    void errorsAreCountedByReason() {
        var collector = new ScriptedCollector(t -> Uni.createFrom().failure(
                new CollectionException(CollectionException.Reason.HTTP_STATUS, "HTTP 503")));
        TargetRun<Target> run = new TargetRun<>(collector, target, clock, limiter, 3);

        run.runOnce().await().indefinitely();
        run.runOnce().await().indefinitely();
        collector.answer = t -> Uni.createFrom().failure(new ConnectException("refused"));
        run.runOnce().await().indefinitely();

        assertThat(run.errorCounts())
                .containsEntry(CollectionException.Reason.HTTP_STATUS, 2L)
                .containsEntry(CollectionException.Reason.CONNECTION, 1L);
    }

    @Test
    void aCollectorThatThrowsInsteadOfFailingTheUniStillCountsAsAFailure() {
        var collector = new ScriptedCollector(t -> {
            throw new IllegalStateException("bug");
        });
        TargetRun<Target> run = new TargetRun<>(collector, target, clock, limiter, 3);

        run.runOnce().await().indefinitely();

        assertThat(run.errorCounts()).containsEntry(CollectionException.Reason.OTHER, 1L);
    }

    @Test
    void aTargetNeverCollectedServesNothing() {
        TargetRun<Target> run = new TargetRun<>(new ScriptedCollector(t -> Uni.createFrom().nothing()), target, clock, limiter, 3);

        assertThat(served(run, clock.instant())).isEmpty();
        assertThat(run.state().up()).isFalse();
    }

    @Test
    void collectedLabelValuesPastTheCapAreFoldedIntoOther() {
        LabelLimiter capOne = new LabelLimiter(1, Map.of(), Set.of());
        var collector = new ScriptedCollector(t -> Uni.createFrom().item(List.of(DEPTH.sample(1, "a"), DEPTH.sample(2, "b"))));
        TargetRun<Target> run = new TargetRun<>(collector, target, clock, capOne, 3);

        run.runOnce().await().indefinitely();

        assertThat(served(run, clock.instant())).extracting(s -> s.labelValues().get(0)).containsExactly("a", "other");
        assertThat(capOne.foldedCounts()).containsEntry(List.of("test_depth", "queue"), 1L);
    }
}
