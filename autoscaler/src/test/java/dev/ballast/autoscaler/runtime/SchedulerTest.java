package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.policy.BallastSpec;
import dev.ballast.autoscaler.registry.PolicyKey;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.scheduler.Trigger;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * With the scheduler on, a policy from the file is ticked on its own at its polling interval: every second for
 * {@code pollingIntervalSeconds: 1} (measured from the decisions' own timestamps), every 15 s when the field is
 * omitted.
 */
@QuarkusTest
@TestProfile(SchedulerTest.Ticking.class)
class SchedulerTest {

    static final PolicyKey TICKING = new PolicyKey("ml", "ticking");
    static final PolicyKey DEFAULTED = new PolicyKey("ml", "defaulted");

    public static class Ticking implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ballast.autoscaler.policies-file", "classpath:runtime/scheduled-policies.yaml");
        }
    }

    @Inject
    MeterRegistry meters;
    @Inject
    DecisionTimes decisions;
    @Inject
    Scheduler scheduler;

    @Test
    @DisplayName("the policy is decided again and again without anyone ticking it; a metric without a source holds it")
    void ticksOnItsOwn() {
        await().atMost(Duration.ofSeconds(20)).until(() -> meters.find("ballast.autoscaler.decision.duration")
                .tags("policy_namespace", "ml", "policy", "ticking").timer() != null
                && meters.find("ballast.autoscaler.decision.duration").tags("policy", "ticking").timer().count() >= 3);

        given().when().get("/scaling/status").then().statusCode(200)
                .body("find { it.name == 'ticking' }.desiredReplicas", equalTo(2))
                .body("find { it.name == 'ticking' }.conditions.reason", hasItem("FailedGetExternalMetric"));
    }

    @Test
    @DisplayName("pollingIntervalSeconds: 1 decides about once a second (median gap of the decisions' timestamps)")
    void oneSecondApart() {
        List<Instant> ticking = decisions.of(TICKING);
        int from = ticking.size();
        // 8 gaps take ~8 s at 1 s; at 5 s they would take 40 s, so a wrong interval fails on the median below rather
        // than on this (generous) wait
        await().atMost(Duration.ofSeconds(60)).until(() -> ticking.size() >= from + 9);

        List<Instant> times = List.copyOf(ticking.subList(from, from + 9));
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            gaps.add(Duration.between(times.get(i - 1), times.get(i)).toMillis());
        }
        assertThat(gaps).as("one tick at a time, in order").allSatisfy(g -> assertThat(g).isPositive());
        List<Long> sorted = gaps.stream().sorted().toList();
        long median = sorted.get(sorted.size() / 2);
        assertThat(median).as("median gap in ms of %s", gaps).isBetween(500L, 3000L);
    }

    @Test
    @DisplayName("a policy without pollingIntervalSeconds is scheduled every 15 s, the HPA's sync period")
    void defaultIntervalIs15Seconds() {
        assertThat(BallastSpec.DEFAULT_POLLING_INTERVAL_SECONDS).isEqualTo(15);
        Trigger job = scheduler.getScheduledJob("scaling-policy/" + DEFAULTED);
        assertThat(job).as("the defaulted policy has a job of its own").isNotNull();
        await().atMost(Duration.ofSeconds(20)).until(() -> job.getPreviousFireTime() != null);

        Duration interval = Duration.between(job.getPreviousFireTime(), job.getNextFireTime());
        assertThat(interval).as("from one run to the next").isEqualTo(Duration.ofSeconds(15));
    }
}
