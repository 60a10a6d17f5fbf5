package dev.ballast.autoscaler.leader;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.Lock;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * One candidate in a coordination.k8s.io/v1 Lease election, with client-go's semantics (fabric8's LeaderElector):
 * acquire when the Lease is free or its holder has not renewed for leaseDuration, renew every retryPeriod, give up
 * leading when no renewal succeeds within renewDeadline. A graceful stop releases the Lease so a follower takes over
 * at its next retry instead of after a whole lease duration.
 */
public final class LeaseElection {

    private static final Logger LOG = Logger.getLogger(LeaseElection.class);

    /** Where the Lease lives, who this candidate is and the client-go timings. */
    public record Settings(String namespace, String leaseName, String identity, Duration leaseDuration,
                           Duration renewDeadline, Duration retryPeriod, boolean releaseOnStop) {

        public Settings {
            if (!(leaseDuration.compareTo(renewDeadline) > 0)) {
                throw new IllegalArgumentException("ballast.autoscaler.leader-election.lease-duration (" + leaseDuration
                        + ") must be longer than renew-deadline (" + renewDeadline + ")");
            }
            if (!(renewDeadline.toMillis() > (long) (1.2 * retryPeriod.toMillis()))) {
                throw new IllegalArgumentException("ballast.autoscaler.leader-election.renew-deadline (" + renewDeadline
                        + ") must be longer than 1.2 x retry-period (" + retryPeriod + "), as client-go requires");
            }
        }
    }

    private final KubernetesClient client;
    private final Settings settings;
    private final Consumer<Boolean> leading;
    private final Consumer<String> holder;
    private final ExecutorService executor;
    private volatile CompletableFuture<?> running;

    /**
     * @param leading called with true when this candidate starts leading, false when it stops
     * @param holder  called with the identity of each new holder the candidate observes
     */
    public LeaseElection(KubernetesClient client, Settings settings, Consumer<Boolean> leading, Consumer<String> holder) {
        this.client = client;
        this.settings = settings;
        this.leading = leading;
        this.holder = holder;
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lease-election-" + settings.identity());
            t.setDaemon(true);
            return t;
        });
    }

    public synchronized void start() {
        if (running != null) {
            return;
        }
        var config = new LeaderElectionConfigBuilder()
                .withName(settings.leaseName())
                .withLock(new ConfirmedLock(new LeaseLock(settings.namespace(), settings.leaseName(), settings.identity()),
                        () -> leading.accept(true)))
                .withLeaseDuration(settings.leaseDuration())
                .withRenewDeadline(settings.renewDeadline())
                .withRetryPeriod(settings.retryPeriod())
                .withReleaseOnCancel(settings.releaseOnStop())
                // start leading only once the API server took a write naming us (ConfirmedLock), not on fabric8's
                // onStartLeading: a fresh elector fires that as soon as it reads a Lease that still names its own
                // identity, before any renewal succeeded (our re-campaign after a lost renewal does exactly that)
                .withLeaderCallbacks(new LeaderCallbacks(() -> { }, () -> leading.accept(false), holder::accept))
                .build();
        LOG.infof("leader election as %s on Lease %s/%s (lease %s, renew deadline %s, retry %s)", settings.identity(),
                settings.namespace(), settings.leaseName(), settings.leaseDuration(), settings.renewDeadline(),
                settings.retryPeriod());
        running = client.leaderElector().withConfig(config).build().start();
        running.whenComplete((v, e) -> {
            // a lost renewal ends the elector's future; client-go's controllers exit then, we campaign again
            synchronized (this) {
                if (running != null && running.isDone() && !executor.isShutdown()) {
                    running = null;
                    executor.execute(this::start);
                }
            }
        });
    }

    /** Stops campaigning; releases the Lease first when {@code releaseOnStop} (graceful shutdown). */
    public void stop() {
        CompletableFuture<?> f;
        synchronized (this) {
            executor.shutdown();
            f = running;
            running = null;
        }
        if (f != null) {
            f.cancel(true);
        }
    }

    public Settings settings() {
        return settings;
    }

    /** A Lease lock that reports each successful create or renewal naming this candidate. */
    private record ConfirmedLock(Lock lock, Runnable confirmed) implements Lock {

        @Override
        public LeaderElectionRecord get(KubernetesClient client) {
            return lock.get(client);
        }

        @Override
        public void create(KubernetesClient client, LeaderElectionRecord record) {
            lock.create(client, record);
            confirm(record);
        }

        @Override
        public void update(KubernetesClient client, LeaderElectionRecord record) {
            lock.update(client, record);
            confirm(record);
        }

        private void confirm(LeaderElectionRecord record) {
            if (identity().equals(record.getHolderIdentity())) {
                confirmed.run();
            }
        }

        @Override
        public String identity() {
            return lock.identity();
        }

        @Override
        public String describe() {
            return lock.describe();
        }
    }
}
