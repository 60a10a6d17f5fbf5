package dev.ballast.gateway.discovery;

import dev.ballast.gateway.testing.GatewayClient;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client that sends one GET after another through the gateway on its own thread until stopped, remembering every
 * answer that was not a 200 and which origin served the others: the "steady stream of requests" that endpoint and
 * configuration changes must not disturb.
 */
public final class SteadyTraffic implements AutoCloseable {

    private final GatewayClient client;
    private final String path;
    private final Thread thread;
    private final AtomicInteger ok = new AtomicInteger();
    private final Map<String, AtomicInteger> byOrigin = new ConcurrentHashMap<>();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running = true;

    public SteadyTraffic(int gatewayPort, String path) {
        this.client = new GatewayClient(gatewayPort);
        this.path = path;
        this.thread = new Thread(this::run, "steady-traffic");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            try {
                GatewayClient.Reply reply = client.get(path);
                if (reply.status() == 200) {
                    ok.incrementAndGet();
                    String origin = reply.headers().get("x-origin");
                    byOrigin.computeIfAbsent(origin == null ? "?" : origin, o -> new AtomicInteger()).incrementAndGet();
                } else {
                    errors.add(reply.status() + " " + reply.body());
                }
            } catch (AssertionError | RuntimeException e) {
                errors.add(e.toString());
            }
        }
    }

    /** Successful requests so far. */
    public int ok() {
        return ok.get();
    }

    /** Successful requests served by one origin so far. */
    public int servedBy(String origin) {
        AtomicInteger count = byOrigin.get(origin);
        return count == null ? 0 : count.get();
    }

    public List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(30_000);
        client.close();
    }
}
