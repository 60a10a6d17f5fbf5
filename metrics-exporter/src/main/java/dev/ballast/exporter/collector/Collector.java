package dev.ballast.exporter.collector;

import dev.ballast.exporter.metrics.Sample;
import io.smallrye.mutiny.Uni;

import java.util.List;

/**
 * The one contract every source implements (like a KEDA scaler): list its targets and collect one of
 * them into samples. Collection runs in the background, each target on its own interval; the
 * exporter serves the last successful result on scrape. Implementations must not block the calling
 * (event-loop) thread; failures are reported by failing the Uni, ideally with a
 * {@link CollectionException} that names the reason.
 */
public interface Collector<T extends CollectionTarget> {

    /** Short, stable name used in the {@code collector} label, e.g. {@code task_queues}, {@code ollama}. */
    String name();

    List<T> targets();

    Uni<List<Sample>> collect(T target);
}
