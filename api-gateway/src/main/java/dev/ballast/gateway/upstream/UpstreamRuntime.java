package dev.ballast.gateway.upstream;

import dev.ballast.gateway.config.UpstreamSettings;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.UpstreamPool;
import io.vertx.core.net.SocketAddress;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything the proxy needs about one upstream at request time: its settings, the library pool that picks
 * endpoints, the counters of the retry budget (Envoy retry_budget) and a cache of resolved socket addresses.
 * One instance is one generation of the upstream's connection settings: a reload that changes them makes a new
 * instance (new index, new HTTP clients) that may share the pool, and retires this one once its requests end.
 */
public final class UpstreamRuntime {

    private final int index;
    private volatile UpstreamSettings settings;
    private final UpstreamPool pool;
    private final long connectionIdleMillis;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger activeRetries = new AtomicInteger();
    private final ConcurrentHashMap<String, SocketAddress> addresses = new ConcurrentHashMap<>();

    UpstreamRuntime(int index, UpstreamSettings settings, UpstreamPool pool, long connectionIdleMillis) {
        this.index = index;
        this.settings = settings;
        this.pool = pool;
        this.connectionIdleMillis = connectionIdleMillis;
    }

    /**
     * Small, never reused index of this generation (0, 1, 2… in start-up order; reloads continue the count), used to
     * keep per-event-loop HTTP clients in an array.
     */
    public int index() {
        return index;
    }

    public String name() {
        return settings.name();
    }

    public UpstreamSettings settings() {
        return settings;
    }

    /** A reload that changed nothing the HTTP clients or the pool depend on (endpoints, probe, hash key). */
    void settings(UpstreamSettings next) {
        this.settings = next;
    }

    public UpstreamPool pool() {
        return pool;
    }

    /**
     * Silence on an upstream connection after which it is closed, in ms; 0 = never. The longest idle or
     * response-headers timeout among the routes to this upstream, 0 when one of them has both off (see
     * {@link Upstreams#connectionIdleMillis}).
     */
    public long connectionIdleMillis() {
        return connectionIdleMillis;
    }

    /** Drops cached addresses of endpoints that left the pool (discovered pods come and go). */
    public void forgetStaleAddresses() {
        addresses.keySet().removeIf(id -> pool.endpoint(id) == null);
    }

    public SocketAddress address(Endpoint endpoint) {
        SocketAddress address = addresses.get(endpoint.id());
        if (address == null) {
            address = SocketAddress.inetSocketAddress(endpoint.port(), endpoint.host());
            addresses.put(endpoint.id(), address);
        }
        return address;
    }

    /** A request to this upstream started; pair with {@link #requestEnded()}. */
    public void requestStarted() {
        active.incrementAndGet();
    }

    public void requestEnded() {
        active.decrementAndGet();
    }

    public int activeRequests() {
        return active.get();
    }

    /**
     * Takes one retry slot if the budget allows: retries in progress stay below percent of active requests, but
     * at least minConcurrency are always allowed. Pair a successful call with {@link #retryEnded()}.
     */
    public boolean tryStartRetry(double percent, int minConcurrency) {
        int limit = Math.max(minConcurrency, (int) (active.get() * percent / 100.0));
        while (true) {
            int current = activeRetries.get();
            if (current >= limit) {
                return false;
            }
            if (activeRetries.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    public void retryEnded() {
        activeRetries.decrementAndGet();
    }
}
