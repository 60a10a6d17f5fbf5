package dev.ballast.gateway.upstream;

import dev.ballast.gateway.config.GatewaySettings;
import dev.ballast.gateway.config.RouteSettings;
import dev.ballast.gateway.config.UpstreamSettings;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.TimeSource;
import dev.ballast.lb.UpstreamPool;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The upstream pools of the gateway, looked up by name. An immutable snapshot in a volatile field: a reload swaps it
 * at once, keeping the pools (and so the endpoints' live state) of upstreams that survive; upstreams that leave stop
 * getting new requests and are released once their last request has ended (Envoy drains a removed cluster the same
 * way: in-flight requests finish on it, new ones cannot reach it).
 */
public final class Upstreams {

    private static final Logger LOG = Logger.getLogger(Upstreams.class);

    private record Snapshot(Map<String, UpstreamRuntime> byName, List<UpstreamRuntime> all) {
    }

    /** What a reload did, by upstream name. */
    public record Change(List<String> added, List<String> updated, List<String> replaced, List<String> removed) {

        public boolean isEmpty() {
            return added.isEmpty() && updated.isEmpty() && replaced.isEmpty() && removed.isEmpty();
        }
    }

    /** A generation that takes no new requests; {@code stillNamed} while requests routed before may still look it up. */
    private static final class Retired {
        final UpstreamRuntime runtime;
        boolean stillNamed;

        Retired(UpstreamRuntime runtime, boolean stillNamed) {
            this.runtime = runtime;
            this.stillNamed = stillNamed;
        }
    }

    private final TimeSource time;
    private final AtomicInteger nextIndex = new AtomicInteger();
    private volatile Snapshot snapshot;
    private final List<Retired> retired = new ArrayList<>();
    private final List<Consumer<UpstreamRuntime>> releaseListeners = new CopyOnWriteArrayList<>();
    /** Names removed by the last reload, resolvable until the next sweep for requests routed just before it. */
    private volatile Map<String, UpstreamRuntime> leaving = Map.of();

    public Upstreams(GatewaySettings settings, TimeSource time) {
        this.time = time;
        Map<String, Long> idle = connectionIdleMillis(settings.routes());
        Map<String, UpstreamRuntime> map = new LinkedHashMap<>();
        for (UpstreamSettings upstream : settings.upstreams().values()) {
            map.put(upstream.name(), create(upstream, newPool(upstream), idle.getOrDefault(upstream.name(), 0L)));
        }
        this.snapshot = new Snapshot(Map.copyOf(map), List.copyOf(map.values()));
    }

    public UpstreamRuntime get(String name) {
        UpstreamRuntime upstream = snapshot.byName().get(name);
        return upstream != null ? upstream : leaving.get(name);
    }

    public Collection<UpstreamRuntime> all() {
        return snapshot.all();
    }

    public int size() {
        return snapshot.all().size();
    }

    /**
     * Makes {@code next} the upstream set. An upstream whose pool settings are unchanged keeps its pool (endpoints
     * keep in-flight counts, failures, ejections, probe and drain state); static endpoints are updated in place. One
     * whose connection settings (caps, keep-alive, connection idle timeout, TLS) changed gets a new generation sharing
     * the pool, because a Vert.x client's pool options are fixed when it is created. Changed pool settings (strategy,
     * passive, outlier, panic, slow start) need a new library pool: its endpoints start fresh. Call from one thread
     * at a time (reloads are serialised by the caller).
     */
    public synchronized Change apply(GatewaySettings next) {
        Map<String, Long> idle = connectionIdleMillis(next.routes());
        Map<String, UpstreamRuntime> current = snapshot.byName();
        Map<String, UpstreamRuntime> map = new LinkedHashMap<>();
        List<String> added = new ArrayList<>();
        List<String> updated = new ArrayList<>();
        List<String> replaced = new ArrayList<>();
        for (UpstreamSettings upstream : next.upstreams().values()) {
            String name = upstream.name();
            long idleMillis = idle.getOrDefault(name, 0L);
            UpstreamRuntime old = current.get(name);
            if (old == null) {
                map.put(name, create(upstream, newPool(upstream), idleMillis));
                added.add(name);
                continue;
            }
            UpstreamSettings was = old.settings();
            boolean samePool = was.poolConfig().equals(upstream.poolConfig());
            UpstreamPool pool = samePool ? old.pool() : newPool(upstream);
            if (!samePool && upstream.kubernetes().isPresent() && upstream.kubernetes().equals(was.kubernetes())) {
                // Discovery refills the new pool moments later; until then it serves the endpoints the old one did.
                pool.update(old.pool().endpoints().stream().filter(e -> !e.isDraining()).map(Endpoint::spec).toList());
            }
            if (samePool && upstream.kubernetes().isEmpty()) {
                // Static endpoints. A switch from static to discovered keeps the static ones until discovery's first
                // list replaces them, so the upstream never goes empty in between.
                pool.update(upstream.endpoints());
            }
            if (samePool && sameConnections(was, upstream) && old.connectionIdleMillis() == idleMillis) {
                old.settings(upstream);
                map.put(name, old);
                if (!was.equals(upstream)) {
                    updated.add(name);
                }
                continue;
            }
            map.put(name, create(upstream, pool, idleMillis));
            retire(old, false);
            replaced.add(name);
        }
        Map<String, UpstreamRuntime> gone = new HashMap<>();
        for (UpstreamRuntime old : current.values()) {
            if (!map.containsKey(old.name())) {
                gone.put(old.name(), old);
                retire(old, true);
            }
        }
        leaving = Map.copyOf(gone);
        snapshot = new Snapshot(Map.copyOf(map), List.copyOf(map.values()));
        Change change = new Change(List.copyOf(added), List.copyOf(updated), List.copyOf(replaced),
                List.copyOf(gone.keySet().stream().sorted().toList()));
        if (!change.isEmpty()) {
            LOG.debugf("Upstreams reconfigured: added %s, updated in place %s, new connection settings %s, removed %s",
                    added, updated, replaced, change.removed());
        }
        return change;
    }

    /** {@code release} is told about every retired generation once its last request has ended (to close clients). */
    public void onRelease(Consumer<UpstreamRuntime> release) {
        releaseListeners.add(release);
    }

    /**
     * Releases every retired generation whose last request has ended (see {@link #onRelease}) and forgets the names
     * removed by the last reload. Call periodically (every second or so).
     */
    public synchronized void sweepRetired() {
        leaving = Map.of();
        for (Iterator<Retired> it = retired.iterator(); it.hasNext(); ) {
            Retired r = it.next();
            if (r.stillNamed) {
                r.stillNamed = false; // give requests routed just before the reload one more sweep to resolve it
                continue;
            }
            if (r.runtime.activeRequests() == 0) {
                it.remove();
                releaseListeners.forEach(listener -> listener.accept(r.runtime));
                LOG.debugf("Released retired upstream %s (generation %d)", r.runtime.name(), r.runtime.index());
            }
        }
    }

    /** Generations still waiting for their last request (tests and admin). */
    public synchronized int retiredCount() {
        return retired.size();
    }

    private void retire(UpstreamRuntime old, boolean stillNamed) {
        retired.add(new Retired(old, stillNamed));
    }

    private UpstreamRuntime create(UpstreamSettings upstream, UpstreamPool pool, long idleMillis) {
        return new UpstreamRuntime(nextIndex.getAndIncrement(), upstream, pool, idleMillis);
    }

    private UpstreamPool newPool(UpstreamSettings upstream) {
        UpstreamPool pool = UpstreamPool.create(upstream.name(), upstream.poolConfig(), time);
        pool.update(upstream.endpoints());
        return pool;
    }

    /**
     * True when the HTTP clients built for {@code a} also fit {@code b}. Everything EventLoopClients builds a client
     * from belongs here (caps, keep-alive; upstream TLS options too, once upstreams have them), because a difference
     * must give the upstream a new generation with new clients.
     */
    private static boolean sameConnections(UpstreamSettings a, UpstreamSettings b) {
        return a.maxConnectionsPerEndpoint() == b.maxConnectionsPerEndpoint()
                && a.maxPendingPerEndpoint() == b.maxPendingPerEndpoint()
                && a.keepAliveTimeoutMillis() == b.keepAliveTimeoutMillis()
                && a.tls().equals(b.tls()); // TLS lives in the HTTP clients: a change needs new ones
    }

    /**
     * A connection that stays silent longer than any route of its upstream allows (idle between chunks or waiting
     * for headers) can be closed by the client's idle handler: it catches stalled bodies of known length without a
     * timer per request. A route with both limits off turns it off for its upstream (0).
     */
    public static Map<String, Long> connectionIdleMillis(List<RouteSettings> routes) {
        Map<String, Long> idle = new HashMap<>();
        for (RouteSettings route : routes) {
            long idleMillis = route.timeouts().idleMillis();
            long headersMillis = route.timeouts().responseHeadersMillis();
            long needed = idleMillis == 0 || headersMillis == 0 ? 0 : Math.max(idleMillis, headersMillis);
            idle.merge(route.upstream(), needed, (a, b) -> a == 0 || b == 0 ? 0 : Math.max(a, b));
        }
        return idle;
    }
}
