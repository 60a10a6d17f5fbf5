package dev.ballast.autoscaler.leader;

import dev.ballast.autoscaler.config.AutoscalerConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.UUID;

/**
 * Campaigns for the Lease from startup to shutdown when Kubernetes and leader election are both on, and releases it
 * on a graceful shutdown so the next replica takes over at once (client-go's ReleaseOnCancel). Otherwise it does
 * nothing and never touches the Kubernetes client.
 */
@ApplicationScoped
public class LeaderElectionLifecycle {

    private static final Logger LOG = Logger.getLogger(LeaderElectionLifecycle.class);

    private final AutoscalerConfig config;
    private final Leadership leadership;
    private final Instance<KubernetesClient> client;
    private volatile LeaseElection election;

    LeaderElectionLifecycle(AutoscalerConfig config, Leadership leadership, Instance<KubernetesClient> client) {
        this.config = config;
        this.leadership = leadership;
        this.client = client;
    }

    void start(@Observes StartupEvent event) {
        if (!leadership.elected()) {
            LOG.infof("leader election off (kubernetes.enabled=%s, leader-election.enabled=%s): this replica always acts",
                    config.kubernetes().enabled(), config.leaderElection().enabled());
            return;
        }
        KubernetesClient k = client.get();
        AutoscalerConfig.LeaderElection le = config.leaderElection();
        LeaseElection.Settings settings = new LeaseElection.Settings(
                le.leaseNamespace().orElseGet(() -> Optional.ofNullable(k.getNamespace()).orElse("default")),
                le.leaseName(), identity(le), le.leaseDuration(), le.renewDeadline(), le.retryPeriod(), true);
        election = new LeaseElection(k, settings, leadership::leading, leadership::observedHolder);
        election.start();
    }

    void stop(@Observes ShutdownEvent event) {
        LeaseElection e = election;
        if (e != null) {
            e.stop();
            LOG.infof("released the leader Lease %s/%s", e.settings().namespace(), e.settings().leaseName());
        }
    }

    /** This replica's identity: configured, else the pod name (HOSTNAME) with a random suffix, as client-go's callers do. */
    static String identity(AutoscalerConfig.LeaderElection le) {
        return le.identity().orElseGet(() -> Optional.ofNullable(System.getenv("POD_NAME"))
                .or(() -> Optional.ofNullable(System.getenv("HOSTNAME"))).orElse("autoscaler")
                + "_" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** The identity this replica campaigns under, or null without election. */
    public String identity() {
        LeaseElection e = election;
        return e == null ? null : e.settings().identity();
    }
}
