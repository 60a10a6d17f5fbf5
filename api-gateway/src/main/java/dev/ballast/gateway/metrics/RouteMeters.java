package dev.ballast.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.TimeUnit;

/**
 * The meters of one route, created once so the hot path only increments (no tag lookups per request). Labels are
 * route and upstream names and a status class: a bounded set, never raw paths.
 */
public final class RouteMeters {

    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final Counter[] requests = new Counter[CLASSES.length];
    private final Timer duration;
    private final Timer firstByte;
    private final Counter retries;
    private final Counter retryBudgetExhausted;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final String upstream;

    RouteMeters(MeterRegistry registry, String route, String upstream) {
        this.upstream = upstream;
        for (int i = 0; i < CLASSES.length; i++) {
            requests[i] = Counter.builder("ballast.gateway.requests")
                    .description("Requests answered, by route, upstream and status class")
                    .tag("route", route).tag("upstream", upstream).tag("status_class", CLASSES[i])
                    .register(registry);
        }
        duration = Timer.builder("ballast.gateway.request.duration")
                .description("Time from request start to the last byte of the response")
                .tag("route", route).tag("upstream", upstream)
                .publishPercentileHistogram()
                .register(registry);
        firstByte = Timer.builder("ballast.gateway.time.to.first.byte")
                .description("Time from request start until the upstream's response headers reached the client")
                .tag("route", route).tag("upstream", upstream)
                .publishPercentileHistogram()
                .register(registry);
        retries = Counter.builder("ballast.gateway.retries")
                .description("Tries beyond the first one").tag("route", route).tag("upstream", upstream)
                .register(registry);
        retryBudgetExhausted = Counter.builder("ballast.gateway.retry.budget.exhausted")
                .description("Retries the retry budget refused (Envoy retry_budget overflow): the client got the "
                        + "failure instead").tag("route", route).tag("upstream", upstream).register(registry);
        bytesIn = Counter.builder("ballast.gateway.request.body")
                .baseUnit("bytes").description("Request body bytes forwarded upstream")
                .tag("route", route).tag("upstream", upstream).register(registry);
        bytesOut = Counter.builder("ballast.gateway.response.body")
                .baseUnit("bytes").description("Response body bytes sent to clients")
                .tag("route", route).tag("upstream", upstream).register(registry);
    }

    public void completed(int status, long startNanos, long endNanos, long requestBytes, long responseBytes) {
        int index = status / 100 - 1;
        if (index >= 0 && index < CLASSES.length) {
            requests[index].increment();
        }
        duration.record(endNanos - startNanos, TimeUnit.NANOSECONDS);
        if (requestBytes > 0) {
            bytesIn.increment(requestBytes);
        }
        if (responseBytes > 0) {
            bytesOut.increment(responseBytes);
        }
    }

    public void firstByte(long nanos) {
        firstByte.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The upstream label of these meters (a reload may send the route elsewhere). */
    String upstream() {
        return upstream;
    }

    public void retried() {
        retries.increment();
    }

    public void retryBudgetExhausted() {
        retryBudgetExhausted.increment();
    }
}
