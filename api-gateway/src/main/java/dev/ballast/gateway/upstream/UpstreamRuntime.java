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
 */
public final class UpstreamRuntime {

    private final int index;
    private final UpstreamSettings settings;
    private final UpstreamPool pool;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger activeRetries = new AtomicInteger();
    private final ConcurrentHashMap<String, SocketAddress> addresses = new ConcurrentHashMap<>();

    UpstreamRuntime(int index, UpstreamSettings settings, UpstreamPool pool) {
        this.index = index;
        this.settings = settings;
        this.pool = pool;
    }

    /** Dense index, used to keep per-event-loop HTTP clients in an array. */
    public int index() {
        return index;
    }

    public String name() {
        return settings.name();
    }

    public UpstreamSettings settings() {
        return settings;
    }

    public UpstreamPool pool() {
        return pool;
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
