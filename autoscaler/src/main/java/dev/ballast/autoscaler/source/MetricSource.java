package dev.ballast.autoscaler.source;

/**
 * One place metric values come from, in the manner of KEDA's scalers: each source answers the queries of its kind
 * and reports failures as {@link MissingDataException}. Fetches are blocking; {@link MetricFetcher} runs them
 * concurrently with a bound.
 */
public interface MetricSource {

    /** Short name used in logs and in the per-source error counter ({@code source} label). */
    String name();

    boolean accepts(MetricQuery query);

    SourceValue fetch(MetricQuery query) throws MissingDataException;
}
