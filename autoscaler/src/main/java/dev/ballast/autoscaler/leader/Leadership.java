package dev.ballast.autoscaler.leader;

import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.runtime.AutoscalerMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Whether this replica acts (ticks, scales, writes status and Events) or only answers the read API. Without
 * Kubernetes or with leader election off it always acts; with election on it acts only while it holds the Lease
 * (client-go's OnStartedLeading / OnStoppedLeading).
 */
@ApplicationScoped
public class Leadership {

    private static final Logger LOG = Logger.getLogger(Leadership.class);

    private final AutoscalerMetrics metrics;
    private final boolean elected;
    private final List<Consumer<Boolean>> listeners = new CopyOnWriteArrayList<>();
    private volatile boolean acting;
    private volatile String holder;

    @jakarta.inject.Inject
    Leadership(AutoscalerConfig config, AutoscalerMetrics metrics) {
        this(config.kubernetes().enabled() && config.leaderElection().enabled(), metrics);
    }

    /** A gate of its own (a second autoscaler in one JVM, in tests); {@code elected}: acts only once told it leads. */
    public Leadership(boolean elected, AutoscalerMetrics metrics) {
        this.metrics = metrics;
        this.elected = elected;
        this.acting = !elected;
        metrics.leader(acting);
    }

    /** True while this replica may act. */
    public boolean acting() {
        return acting;
    }

    /** Whether acting depends on holding a Lease (kubernetes and leader election both on). */
    public boolean elected() {
        return elected;
    }

    /** The identity the Lease names as holder, as last observed; null before the first observation or without election. */
    public String holder() {
        return holder;
    }

    /** Called on every change of acting, with the new value (the ticker re-reads durable state on a hand-over). */
    public void onChange(Consumer<Boolean> listener) {
        listeners.add(listener);
    }

    /** The elector's callbacks land here. */
    public void leading(boolean now) {
        boolean was = acting;
        acting = now;
        metrics.leader(now);
        if (was != now) {
            LOG.infof(now ? "this replica holds the leader Lease: it acts" : "this replica lost the leader Lease: it only answers the read API");
            listeners.forEach(l -> l.accept(now));
        }
    }

    public void observedHolder(String identity) {
        holder = identity;
    }
}
