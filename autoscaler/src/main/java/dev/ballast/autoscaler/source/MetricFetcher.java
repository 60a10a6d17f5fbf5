package dev.ballast.autoscaler.source;

import dev.ballast.autoscaler.config.AutoscalerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the reads of one tick: equal queries are fetched once, distinct ones concurrently on a pool whose size bounds
 * the fetches in flight across all policies, each failure counted against its source
 * ({@code ballast.autoscaler.source.errors{source}}).
 */
@ApplicationScoped
public class MetricFetcher {

    private static final Logger LOG = Logger.getLogger(MetricFetcher.class);

    /** One query's outcome: a value, or the reason it is missing. */
    public record Result(SourceValue value, String error) {
        public boolean failed() {
            return error != null;
        }
    }

    private final List<MetricSource> sources;
    private final ExecutorService pool;
    private final Map<String, Counter> errors = new LinkedHashMap<>();

    MetricFetcher(Instance<MetricSource> sources, AutoscalerConfig config, MeterRegistry meters) {
        this.sources = sources.stream().toList();
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(config.runtime().fetchConcurrency(), r -> {
            Thread t = new Thread(r, "autoscaler-fetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (MetricSource s : this.sources) {
            errors.put(s.name(), Counter.builder("ballast.autoscaler.source.errors")
                    .description("Metric fetches that failed (missing data), by source")
                    .tag("source", s.name()).register(meters));
        }
    }

    void stop(@Observes ShutdownEvent event) {
        pool.shutdownNow();
    }

    /** Fetches each distinct query once; the map holds every query asked for. */
    public Map<MetricQuery, Result> fetchAll(Collection<MetricQuery> queries) {
        Set<MetricQuery> distinct = new LinkedHashSet<>(queries);
        Map<MetricQuery, Future<Result>> pending = new LinkedHashMap<>();
        for (MetricQuery q : distinct) {
            pending.put(q, pool.submit(() -> fetchOne(q)));
        }
        Map<MetricQuery, Result> out = new LinkedHashMap<>();
        for (Map.Entry<MetricQuery, Future<Result>> e : pending.entrySet()) {
            try {
                out.put(e.getKey(), e.getValue().get());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                out.put(e.getKey(), new Result(null, "interrupted"));
            } catch (ExecutionException ex) {
                out.put(e.getKey(), new Result(null, String.valueOf(ex.getCause())));
            }
        }
        return out;
    }

    private Result fetchOne(MetricQuery q) {
        MetricSource source = null;
        for (MetricSource s : sources) {
            if (s.accepts(q)) {
                source = s;
                break;
            }
        }
        if (source == null) {
            return new Result(null, "no metric source reads " + q);
        }
        try {
            return new Result(source.fetch(q), null);
        } catch (MissingDataException | RuntimeException e) {
            errors.get(source.name()).increment();
            LOG.debugf("%s: %s", source.name(), e.getMessage());
            return new Result(null, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    /** Source names, in the order they are asked. */
    public List<String> sourceNames() {
        List<String> names = new ArrayList<>();
        sources.forEach(s -> names.add(s.name()));
        return names;
    }
}
