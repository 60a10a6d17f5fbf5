package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.policy.ScalingPolicy;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.registry.PolicyState;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Loads the policies file at startup and ticks each policy at its own polling interval (the HPA's sync period,
 * per policy like KEDA's pollingInterval). The Quarkus scheduler skips a tick whose previous run has not finished
 * (ConcurrentExecution.SKIP), and the ticker checks again, so ticks never stack.
 */
@ApplicationScoped
public class PolicyScheduler {

    private static final Logger LOG = Logger.getLogger(PolicyScheduler.class);

    private final AutoscalerConfig config;
    private final PolicyRegistry registry;
    private final PolicyTicker ticker;
    private final Scheduler scheduler;
    private final Set<PolicyKey> scheduled = ConcurrentHashMap.newKeySet();

    PolicyScheduler(AutoscalerConfig config, PolicyRegistry registry, PolicyTicker ticker, Scheduler scheduler) {
        this.config = config;
        this.registry = registry;
        this.ticker = ticker;
        this.scheduler = scheduler;
    }

    void start(@Observes StartupEvent event) {
        config.policiesFile().ifPresent(location -> {
            Map<PolicyKey, ScalingPolicy> policies = PoliciesFile.load(location, config.defaultNamespace());
            policies.forEach((key, p) -> registry.upsert(key, p.spec()));
            LOG.infof("loaded %d ScalingPolicy from %s (dry-run: decisions are computed, logged and exported, not applied): %s",
                    policies.size(), location, policies.keySet());
        });
        if (config.runtime().schedulerEnabled()) {
            registry.all().forEach(s -> schedule(s.key()));
        }
    }

    /** Starts ticking a policy (idempotent); the interval is read from its spec when the job is created. */
    public void schedule(PolicyKey key) {
        PolicyState state = registry.find(key).orElse(null);
        if (state == null || !scheduled.add(key)) {
            return;
        }
        int seconds = state.spec().ballast().pollingIntervalSeconds();
        scheduler.newJob(jobId(key))
                .setInterval(seconds + "s")
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> tickSafely(key))
                .schedule();
    }

    public void unschedule(PolicyKey key) {
        if (scheduled.remove(key)) {
            scheduler.unscheduleJob(jobId(key));
        }
    }

    private void tickSafely(PolicyKey key) {
        try {
            ticker.tick(key);
        } catch (RuntimeException e) {
            // One policy's bug must not stop the others or the next tick.
            LOG.errorf(e, "tick of %s failed", key);
        }
    }

    private static String jobId(PolicyKey key) {
        return "scaling-policy/" + key;
    }
}
