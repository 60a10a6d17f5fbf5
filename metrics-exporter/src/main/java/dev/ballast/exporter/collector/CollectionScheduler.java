package dev.ballast.exporter.collector;

import dev.ballast.exporter.config.ExporterConfig;
import dev.ballast.exporter.metrics.LabelLimiter;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.time.Clock;

/**
 * Puts every target of every collector on the Quarkus scheduler with its own interval. Overlapping
 * runs of one target are skipped (a slow target delays only itself), and scrapes never wait for a
 * collection: they read what {@link TargetRuns} holds.
 */
@ApplicationScoped
public class CollectionScheduler {

    private static final Logger LOG = Logger.getLogger(CollectionScheduler.class);

    private final Instance<Collector<?>> collectors;
    private final Scheduler scheduler;
    private final TargetRuns runs;
    private final LabelLimiter limiter;
    private final Clock clock;
    private final ExporterConfig config;

    CollectionScheduler(Instance<Collector<?>> collectors, Scheduler scheduler, TargetRuns runs, LabelLimiter limiter,
                        Clock clock, ExporterConfig config) {
        this.collectors = collectors;
        this.scheduler = scheduler;
        this.runs = runs;
        this.limiter = limiter;
        this.clock = clock;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        for (Collector<?> collector : collectors) {
            schedule(collector);
        }
    }

    private <T extends CollectionTarget> void schedule(Collector<T> collector) {
        for (T target : collector.targets()) {
            TargetRun<T> run = new TargetRun<>(collector, target, clock, limiter, config.staleAfterIntervals());
            runs.add(run);
            scheduler.newJob("collect:" + collector.name() + ":" + target.name())
                    .setInterval(target.interval().toString())
                    .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                    .setAsyncTask(execution -> run.runOnce())
                    .schedule();
            LOG.infof("%s/%s: collecting every %s (timeout %s)", collector.name(), target.name(), target.interval(), target.timeout());
        }
    }
}
