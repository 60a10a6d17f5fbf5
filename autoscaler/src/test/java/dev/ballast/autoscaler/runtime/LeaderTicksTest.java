package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.source.PrometheusAnswers;
import dev.ballast.autoscaler.leader.Leadership;
import dev.ballast.testing.LoopbackHttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A new leader ticks every policy at once, and those ticks run side by side: two policies whose Prometheus answers
 * only once both queries are in flight are decided together (on a pool that runs one tick after another, the first
 * would wait for a second query that is never sent while it blocks).
 */
@QuarkusTest
@TestProfile(LeaderTicksTest.Profile.class)
@QuarkusTestResource(value = LeaderTicksTest.MeetingPrometheus.class, restrictToAnnotatedClass = true)
class LeaderTicksTest {

    /** How long a parked query waits for the other one: far longer than two concurrent ticks need. */
    static final Duration MEETING = Duration.ofSeconds(20);

    /** While parked, each query waits (up to {@link #MEETING}) until both have arrived, then answers 1. */
    static volatile CountDownLatch arrivals;
    /** Parked queries that saw the other one arrive in time. */
    static final AtomicInteger met = new AtomicInteger();

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // a fetch outlasts the meeting, so a query that waits in vain ends as the handler's answer, not a timeout
            return Map.of("ballast.autoscaler.policies-file", "classpath:runtime/leader-tick-policies.yaml",
                    "ballast.autoscaler.runtime.fetch-timeout", "60s");
        }
    }

    public static class MeetingPrometheus implements QuarkusTestResourceLifecycleManager {
        private LoopbackHttpServer server;

        @Override
        public Map<String, String> start() {
            server = LoopbackHttpServer.start().handle("/api/v1/query", exchange -> {
                CountDownLatch latch = arrivals;
                if (latch != null) {
                    latch.countDown();
                    try {
                        if (latch.await(MEETING.toMillis(), TimeUnit.MILLISECONDS)) {
                            met.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                LoopbackHttpServer.send(exchange, 200, "application/json",
                        PrometheusAnswers.vector("1"),
                        Map.of());
            });
            return Map.of("ballast.autoscaler.runtime.prometheus-url", server.url("").replaceAll("/$", ""));
        }

        @Override
        public void stop() {
            if (server != null) {
                server.close();
            }
        }
    }

    @Inject
    Leadership leadership;
    @Inject
    MeterRegistry meters;

    private long decisions(String policy) {
        Timer t = meters.find("ballast.autoscaler.decision.duration").tags("policy_namespace", "ml", "policy", policy).timer();
        return t == null ? 0 : t.count();
    }

    @Test
    @DisplayName("on becoming leader the policies' ticks run concurrently, not one after another")
    void leaderTicksRunSideBySide() {
        // the scheduler's own first tick of each job, answered at once
        await().atMost(Duration.ofSeconds(20)).until(() -> decisions("first") >= 1 && decisions("second") >= 1);
        long first = decisions("first");
        long second = decisions("second");
        met.set(0);
        arrivals = new CountDownLatch(2);
        try {
            leadership.leading(false);
            leadership.leading(true);

            await().atMost(MEETING.plusSeconds(20)).until(() -> decisions("first") > first && decisions("second") > second);
            assertThat(met.get()).as("both policies' queries were in flight at the same time").isEqualTo(2);
        } finally {
            arrivals = null;
        }
    }
}
