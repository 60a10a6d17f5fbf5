package dev.ballast.gateway.health;

import dev.ballast.gateway.config.ProbeSettings;
import dev.ballast.gateway.upstream.UpstreamRuntime;
import dev.ballast.gateway.upstream.Upstreams;
import dev.ballast.lb.Endpoint;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Active HTTP health probes: every endpoint of an upstream with a probe path is probed on its own timer, each
 * interval stretched by a random jitter so probes of many endpoints do not fire together (Envoy interval_jitter,
 * HAProxy spread-checks). Results go to the library, which applies rise/fall.
 */
public final class ActiveHealthProbes {

    private static final Logger LOG = Logger.getLogger(ActiveHealthProbes.class);

    private final Vertx vertx;
    private final Upstreams upstreams;
    private final Set<Long> timers = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<String, Boolean> lastResult = new ConcurrentHashMap<>();
    /** Endpoint ids with a probe running, per upstream generation (by identity). */
    private final Map<UpstreamRuntime, Set<String>> probing = new ConcurrentHashMap<>();
    private volatile HttpClient client;
    /** TLS upstreams are probed over TLS too, with their own trust settings: one client per generation. */
    private final Map<UpstreamRuntime, HttpClient> tlsClients = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    public ActiveHealthProbes(Vertx vertx, Upstreams upstreams) {
        this.vertx = vertx;
        this.upstreams = upstreams;
    }

    public synchronized void start() {
        if (client != null) {
            return;
        }
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setName("ballast-gateway-probes"),
                new PoolOptions().setHttp1MaxSize(2));
        refresh();
    }

    /**
     * Starts probing the endpoints that have no probe yet: all of them at start, then those a reload or discovery
     * added. Probes of endpoints, upstreams or generations that went away end by themselves at their next turn.
     */
    public synchronized void refresh() {
        if (client == null || stopped) {
            return;
        }
        for (UpstreamRuntime upstream : upstreams.all()) {
            Optional<ProbeSettings> probe = upstream.settings().probe();
            if (probe.isEmpty()) {
                continue;
            }
            Set<String> ids = probing.computeIfAbsent(upstream, u -> ConcurrentHashMap.newKeySet());
            for (Endpoint endpoint : upstream.pool().endpoints()) {
                if (ids.add(endpoint.id())) {
                    schedule(upstream, endpoint, (long) (probe.get().intervalMillis() * probe.get().jitter()
                            * ThreadLocalRandom.current().nextDouble()) + 1);
                }
            }
        }
    }

    private void schedule(UpstreamRuntime upstream, Endpoint endpoint, long delayMillis) {
        if (stopped) {
            return;
        }
        long[] id = new long[1];
        id[0] = vertx.setTimer(Math.max(1, delayMillis), t -> {
            timers.remove(id[0]);
            probe(upstream, endpoint);
        });
        timers.add(id[0]);
    }

    private void probe(UpstreamRuntime upstream, Endpoint endpoint) {
        // Settings are read at every turn: a reload may change the probe of an upstream it keeps.
        Optional<ProbeSettings> current = upstream.settings().probe();
        // Followed by id, not by object: an endpoint that left and came back before this turn (a pod that was not
        // ready for a moment, an IP that moved between slices) is a new object, and refresh() saw its id taken.
        Endpoint live = upstream.pool().endpoint(endpoint.id());
        if (stopped || current.isEmpty() || upstreams.get(upstream.name()) != upstream || live == null) {
            Set<String> ids = probing.get(upstream);
            if (ids != null) {
                ids.remove(endpoint.id());
            }
            if (upstreams.get(upstream.name()) != upstream) {
                probing.remove(upstream);
                HttpClient tlsClient = tlsClients.remove(upstream);
                if (tlsClient != null) {
                    tlsClient.close();
                }
            }
            return;
        }
        ProbeSettings probe = current.get();
        RequestOptions options = upstream.settings().tls().target(new RequestOptions(), upstream.address(live))
                .setMethod(HttpMethod.GET)
                .setURI(probe.path())
                .setTimeout(probe.timeoutMillis())
                .putHeader("host", live.host() + ":" + live.port())
                .putHeader("user-agent", "ballast-gateway-probe");
        clientFor(upstream).request(options)
                .compose(request -> request.send())
                .compose(response -> response.body().map(ignored -> response.statusCode()))
                .onComplete(result -> {
                    boolean healthy = result.succeeded() && probe.expectedStatuses().contains(result.result());
                    record(upstream, live, healthy, result.succeeded() ? "status " + result.result()
                            : String.valueOf(result.cause().getMessage()));
                    long interval = probe.intervalMillis();
                    schedule(upstream, live,
                            interval + (long) (interval * probe.jitter() * ThreadLocalRandom.current().nextDouble()));
                });
    }

    private HttpClient clientFor(UpstreamRuntime upstream) {
        if (!upstream.settings().tls().enabled()) {
            return client;
        }
        return tlsClients.computeIfAbsent(upstream, u -> vertx.createHttpClient(u.settings().tls().applyTo(
                new HttpClientOptions().setKeepAlive(true).setName("ballast-gateway-probes-" + u.name())),
                new PoolOptions().setHttp1MaxSize(2)));
    }

    private void record(UpstreamRuntime upstream, Endpoint endpoint, boolean healthy, String detail) {
        upstream.pool().recordProbe(endpoint.id(), healthy);
        Boolean previous = lastResult.put(upstream.name() + "/" + endpoint.id(), healthy);
        if (previous == null || previous != healthy) {
            LOG.infof("Probe of %s endpoint %s %s (%s)", upstream.name(), endpoint.id(),
                    healthy ? "passed" : "failed", detail);
        }
    }

    public void stop() {
        stopped = true;
        timers.forEach(vertx::cancelTimer);
        timers.clear();
        HttpClient current = client;
        if (current != null) {
            current.close();
        }
        tlsClients.values().forEach(HttpClient::close);
        tlsClients.clear();
    }
}
