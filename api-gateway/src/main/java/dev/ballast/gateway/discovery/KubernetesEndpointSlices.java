package dev.ballast.gateway.discovery;

import dev.ballast.gateway.GatewayRuntime;
import dev.ballast.gateway.config.GatewaySettings;
import dev.ballast.gateway.config.KubernetesService;
import dev.ballast.gateway.config.UpstreamSettings;
import dev.ballast.gateway.upstream.UpstreamRuntime;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kubernetes discovery: upstreams that name a Service get their endpoints from its EndpointSlices
 * (discovery.k8s.io/v1, label {@code kubernetes.io/service-name}), followed by one informer per namespace and Service
 * (list, then watch; re-list after errors), so the pool changes within moments of a pod becoming ready, terminating or
 * going away. While the API server is unreachable the informer keeps its last known slices and the pool keeps serving
 * them; {@code ballast_gateway_discovery_synced} and readiness data say so. The client comes from the pod's service
 * account (fabric8 configures itself in-cluster) and is only created when an upstream uses discovery.
 */
@Singleton
public class KubernetesEndpointSlices implements EndpointDiscovery {

    private static final Logger LOG = Logger.getLogger(KubernetesEndpointSlices.class);
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    /** How often watches are checked for loss and recovery (logs and the error count). */
    private static final long CHECK_MILLIS = 1_000;

    private final Instance<KubernetesClient> clients;
    private final GatewayRuntime runtime;
    private final MeterRegistry registry;
    private final Vertx vertx;
    private long timer = -1;
    private final Map<String, ServiceWatch> watches = new HashMap<>();
    private final Map<String, Follower> followers = new LinkedHashMap<>();
    private boolean closed;

    /** One upstream following one Service. */
    private static final class Follower {
        final KubernetesService service;
        final ServiceWatch watch;
        final PoolFeed feed = new PoolFeed();
        final List<Meter> meters;
        String lastSummary = "";

        Follower(KubernetesService service, ServiceWatch watch, List<Meter> meters) {
            this.service = service;
            this.watch = watch;
            this.meters = meters;
        }
    }

    /** The informer of one namespace/Service and the upstreams that follow it. */
    private final class ServiceWatch implements ResourceEventHandler<EndpointSlice> {
        final String key;
        final String namespace;
        final String service;
        final Set<String> upstreams = new HashSet<>();
        final AtomicLong errors = new AtomicLong();
        SharedIndexInformer<EndpointSlice> informer;
        /** As last seen by {@link #checkWatches} (or the first sync): a loss counts only after the first sync. */
        boolean wasSynced;

        ServiceWatch(String namespace, String service) {
            this.key = namespace + "/" + service;
            this.namespace = namespace;
            this.service = service;
        }

        void start(KubernetesClient client) {
            informer = client.discovery().v1().endpointSlices().inNamespace(namespace)
                    .withLabel(SERVICE_NAME_LABEL, service).runnableInformer(0);
            informer.exceptionHandler((started, error) -> {
                long count = errors.incrementAndGet();
                LOG.warnf("EndpointSlices of %s: list failed (%s); the last known endpoints keep serving, "
                        + "retrying%s", key, error.toString(), count == 1 ? " (the gateway needs list and watch on "
                        + "discovery.k8s.io endpointslices in namespace " + namespace + ")" : "");
                return true;
            });
            informer.addEventHandler(this);
            // Also once the first list is in: a Service without any slice sends no event, yet its pool must be set.
            informer.start().thenRun(() -> started(this));
        }

        boolean synced() {
            SharedIndexInformer<EndpointSlice> current = informer;
            return current != null && current.hasSynced() && current.isWatching();
        }

        List<EndpointSlice> slices() {
            return informer == null ? List.of() : informer.getStore().list();
        }

        @Override
        public void onAdd(EndpointSlice slice) {
            refresh(this);
        }

        @Override
        public void onUpdate(EndpointSlice before, EndpointSlice after) {
            refresh(this);
        }

        @Override
        public void onDelete(EndpointSlice slice, boolean finalStateUnknown) {
            refresh(this);
        }
    }

    KubernetesEndpointSlices(Instance<KubernetesClient> clients, GatewayRuntime runtime, MeterRegistry registry,
                             Vertx vertx) {
        this.clients = clients;
        this.runtime = runtime;
        this.registry = registry;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        reconcile(runtime.settings());
        timer = vertx.setPeriodic(CHECK_MILLIS, id -> checkWatches());
    }

    void stop(@Observes ShutdownEvent event) {
        vertx.cancelTimer(timer);
        close();
    }

    /**
     * The informer re-establishes a dropped watch by itself (with exponential backoff) and reports only failed lists
     * to its exception handler; a lost watch is noticed here, counted as an error and logged once, as is recovery.
     */
    synchronized void checkWatches() {
        for (ServiceWatch watch : watches.values()) {
            boolean synced = watch.synced();
            if (watch.wasSynced && !synced) {
                watch.errors.incrementAndGet();
                LOG.warnf("EndpointSlices of %s: watch lost (API server unreachable?); the last known endpoints keep "
                        + "serving while the informer reconnects", watch.key);
            } else if (!watch.wasSynced && synced) {
                LOG.infof("EndpointSlices of %s: listed and watched, endpoints are current", watch.key);
            }
            watch.wasSynced = synced;
        }
    }

    @Override
    public synchronized void reconcile(GatewaySettings settings) {
        if (closed) {
            return;
        }
        Map<String, KubernetesService> wanted = new LinkedHashMap<>();
        for (UpstreamSettings upstream : settings.upstreams().values()) {
            upstream.kubernetes().ifPresent(service -> wanted.put(upstream.name(), service));
        }
        for (String name : List.copyOf(followers.keySet())) {
            Follower follower = followers.get(name);
            if (!follower.service.equals(wanted.get(name))) {
                unfollow(name, follower);
            }
        }
        for (Map.Entry<String, KubernetesService> entry : wanted.entrySet()) {
            Follower follower = followers.get(entry.getKey());
            if (follower == null) {
                follow(entry.getKey(), entry.getValue());
            } else {
                feed(entry.getKey(), follower); // a reload may have given the upstream a new pool
            }
        }
        runtime.endpointsChanged(); // once for every upstream fed above, not once per upstream
    }

    private void follow(String upstream, KubernetesService service) {
        KubernetesClient client = clients.get();
        String namespace = service.namespace();
        if (namespace == null) {
            namespace = client.getNamespace();
            if (namespace == null) {
                LOG.warnf("Upstream %s: no kubernetes.namespace and the gateway's own namespace is unknown (not in a "
                        + "pod?); using 'default'", upstream);
                namespace = "default";
            }
        }
        String key = namespace + "/" + service.service();
        ServiceWatch watch = watches.get(key);
        boolean started = watch != null;
        if (watch == null) {
            watch = new ServiceWatch(namespace, service.service());
            watches.put(key, watch);
        }
        watch.upstreams.add(upstream);
        ServiceWatch w = watch;
        List<Meter> meters = List.of(
                Gauge.builder("ballast.gateway.discovery.synced", w, sw -> sw.synced() ? 1 : 0)
                        .description("1 while the upstream's EndpointSlices are listed and watched; 0 while the API "
                                + "server is unreachable and the last known endpoints serve")
                        .tag("upstream", upstream).register(registry),
                FunctionCounter.builder("ballast.gateway.discovery.watch.errors", w, sw -> sw.errors.get())
                        .description("Failed lists or watches of the upstream's EndpointSlices (each is retried)")
                        .tag("upstream", upstream).register(registry));
        Follower follower = new Follower(service, watch, meters);
        followers.put(upstream, follower);
        LOG.infof("Upstream %s takes its endpoints from the EndpointSlices of Service %s (port %s)", upstream, key,
                service.port() == null ? "the only one" : service.port());
        if (started) {
            feed(upstream, follower);
        } else {
            watch.start(client);
        }
    }

    private void unfollow(String upstream, Follower follower) {
        followers.remove(upstream);
        follower.meters.forEach(registry::remove);
        ServiceWatch watch = follower.watch;
        watch.upstreams.remove(upstream);
        if (watch.upstreams.isEmpty()) {
            watches.remove(watch.key);
            if (watch.informer != null) {
                watch.informer.close();
            }
            LOG.infof("Stopped watching EndpointSlices of Service %s", watch.key);
        }
    }

    /** The first list is in and the watch runs: from now on a lost watch counts, even before the next check. */
    private synchronized void started(ServiceWatch watch) {
        watch.wasSynced = watch.synced();
        refresh(watch);
    }

    private synchronized void refresh(ServiceWatch watch) {
        if (closed) {
            return;
        }
        for (String upstream : watch.upstreams) {
            Follower follower = followers.get(upstream);
            if (follower != null) {
                feed(upstream, follower);
            }
        }
        runtime.endpointsChanged(); // metrics and probes follow the pools once per event, not once per upstream
    }

    private void feed(String upstream, Follower follower) {
        UpstreamRuntime target = runtime.upstreams().get(upstream);
        if (target == null) {
            return;
        }
        var discovered = SliceEndpoints.read(follower.watch.slices(), follower.service);
        PoolFeed.Applied applied = follower.feed.apply(target.pool(), discovered);
        String summary = applied.ready() + " ready, " + applied.draining() + " draining";
        if (!summary.equals(follower.lastSummary) || applied.removed() > 0) {
            LOG.infof("Upstream %s from EndpointSlices of %s: %s, %d removed", upstream, follower.watch.key, summary,
                    applied.removed());
            follower.lastSummary = summary;
        }
        target.forgetStaleAddresses();
    }

    /** Feeds one upstream's pool; callers tell the runtime about endpoint changes once they fed every upstream. */

    @Override
    public synchronized Map<String, Boolean> synced() {
        Map<String, Boolean> synced = new LinkedHashMap<>();
        followers.forEach((name, follower) -> synced.put(name, follower.watch.synced()));
        return synced;
    }

    /** Failed lists/watches so far of the Service an upstream follows (0 when it follows none). */
    public synchronized long watchErrors(String upstream) {
        Follower follower = followers.get(upstream);
        return follower == null ? 0 : follower.watch.errors.get();
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (ServiceWatch watch : watches.values()) {
            if (watch.informer != null) {
                watch.informer.close();
            }
        }
        watches.clear();
        followers.clear();
    }
}
