package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.leader.Leadership;
import dev.ballast.autoscaler.policy.ScalingPolicy;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.registry.PolicyState;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.Scheduler;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
    /** The job that ticks each scheduled policy: its own, or its budget group's (shared by the group). */
    private final Map<PolicyKey, String> jobs = new ConcurrentHashMap<>();

    /** Each job's task, to run at once when this replica becomes the leader. */
    private final Map<String, Runnable> tasks = new ConcurrentHashMap<>();

    /** Threads for the ticks a new leader runs at once; a tick blocks on I/O, so this does not follow the core count. */
    static final int LEADER_TICK_THREADS = 4;

    /**
     * Runs the ticks of a new leader, up to {@link #LEADER_TICK_THREADS} at a time, on threads of its own. Without an
     * executor, {@code CompletableFuture.runAsync} would use the common pool (cores - 1 threads shared with the whole
     * JVM, so blocking ticks would hold up its other users) or, on one or two cores, start an unbounded new thread per
     * task. The queue holds at most one task per job and leadership change; idle threads end after a minute.
     */
    private final ThreadPoolExecutor leaderTicks;

    PolicyScheduler(AutoscalerConfig config, PolicyRegistry registry, PolicyTicker ticker, Scheduler scheduler,
                    Leadership leadership) {
        this.config = config;
        this.registry = registry;
        this.ticker = ticker;
        this.scheduler = scheduler;
        AtomicInteger threads = new AtomicInteger();
        this.leaderTicks = new ThreadPoolExecutor(LEADER_TICK_THREADS, LEADER_TICK_THREADS, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "policy-leader-tick-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        leaderTicks.allowCoreThreadTimeOut(true);
        // a new leader reconciles every policy now, as a controller does when it starts leading, rather than a whole
        // polling interval after its predecessor's last tick
        leadership.onChange(leading -> {
            if (leading) {
                ticker.rereadState(); // the ticker's own listener may run after these ticks have started
                tasks.values().forEach(task -> {
                    try {
                        leaderTicks.execute(task);
                    } catch (RejectedExecutionException e) {
                        // shutting down: the ticks of a leader that is stopping are not needed
                    }
                });
            }
        });
    }

    @PreDestroy
    void stopLeaderTicks() {
        leaderTicks.shutdownNow();
    }

    void start(@Observes StartupEvent event) {
        if (config.kubernetes().enabled()) {
            // policies come from the ScalingPolicy informer, which calls schedule/unschedule as they change
            config.policiesFile().ifPresent(location -> LOG.warnf(
                    "ballast.autoscaler.policies-file=%s is ignored: with kubernetes.enabled policies come from ScalingPolicy objects", location));
            return;
        }
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

    /**
     * Starts ticking a policy (idempotent); the interval is read from its spec when the job is created. A policy of
     * a configured budget group joins its group's job, which decides all members together.
     */
    public void schedule(PolicyKey key) {
        PolicyState state = registry.find(key).orElse(null);
        if (state == null || !config.runtime().schedulerEnabled() || jobs.containsKey(key)) {
            return;
        }
        int seconds = state.spec().ballast().pollingIntervalSeconds();
        String group = ticker.grouped(state.spec()) ? state.spec().ballast().budgetGroup() : null;
        if (group == null && state.spec().ballast().budgetGroup() != null) {
            LOG.warnf("%s names budget group %s, which ballast.autoscaler.budget-groups does not configure: it is decided alone",
                    key, state.spec().ballast().budgetGroup());
        }
        String id = group == null ? jobId(key) : "budget-group/" + group;
        boolean exists = jobs.containsValue(id);
        jobs.put(key, id);
        if (exists) {
            return;
        }
        Runnable task = () -> tickSafely(id, () -> {
            if (group == null) {
                ticker.tick(key);
            } else {
                ticker.tickGroup(group);
            }
        });
        tasks.put(id, task);
        scheduler.newJob(id)
                .setInterval(seconds + "s")
                .setConcurrentExecution(Scheduled.ConcurrentExecution.SKIP)
                .setTask(execution -> task.run())
                .schedule();
    }

    public void unschedule(PolicyKey key) {
        String id = jobs.remove(key);
        if (id != null && !jobs.containsValue(id)) {
            tasks.remove(id);
            scheduler.unscheduleJob(id);
        }
    }

    /** A changed spec: its next tick uses it; a changed interval or budget group gets a new job. */
    public void reschedule(PolicyKey key) {
        unschedule(key);
        schedule(key);
    }

    /** Whether a policy has a job (its own or its group's). */
    public boolean scheduled(PolicyKey key) {
        return jobs.containsKey(key);
    }

    private void tickSafely(String what, Runnable tick) {
        try {
            tick.run();
        } catch (RuntimeException e) {
            // One policy's bug must not stop the others or the next tick.
            LOG.errorf(e, "tick of %s failed", what);
        }
    }

    private static String jobId(PolicyKey key) {
        return "scaling-policy/" + key;
    }
}
