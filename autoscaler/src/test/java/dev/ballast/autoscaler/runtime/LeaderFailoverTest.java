package dev.ballast.autoscaler.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.engine.DecisionEngine;
import dev.ballast.autoscaler.kube.testing.KubeApiServer;
import dev.ballast.autoscaler.kube.testing.KubeApiServerResource;
import dev.ballast.autoscaler.leader.LeaseElection;
import dev.ballast.autoscaler.leader.Leadership;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.autoscaler.registry.PolicyRegistry;
import dev.ballast.autoscaler.source.MetricFetcher;
import dev.ballast.autoscaler.state.TestStores;
import dev.ballast.testing.RedisServer;
import dev.ballast.testing.RedisServerResource;
import dev.ballast.autoscaler.kube.policy.TestTargets;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two autoscaler instances against one API server and one Redis, each with its own Lease candidate gating its own
 * ticker: only the leader scales; when it dies the other takes over once the lease has expired (client-go
 * semantics), or at its next retry when the leader releases the Lease on a graceful stop; and the new leader reads
 * the durable state, so it keeps the stabilization window and does not scale down early.
 */
@QuarkusTest
@TestProfile(LeaderFailoverProfile.class)
@QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class LeaderFailoverTest {

    static final String NS = "ml";
    static final String LEASE = "failover-test";
    /**
     * client-go timings for one candidate, and the bound on a take-over after a crash under them: the lease runs out,
     * then the next (jittered, up to x2.2) retry; plus slack for a loaded build machine (an upper bound to wait for,
     * not a speed assertion).
     */
    record Timings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        Duration takeover() {
            return leaseDuration.plus(retryPeriod.multipliedBy(3)).plusSeconds(10);
        }
    }

    /**
     * For the tests that need the leader to stay leader while they tick: a loaded machine can stall one renewal for a
     * couple of seconds, which under a 2 s renew deadline would cost the leader its Lease mid-test.
     */
    static final Timings STEADY = new Timings(Duration.ofSeconds(10), Duration.ofSeconds(8), Duration.ofSeconds(1));
    /** Short timings, only for the test about losing the Lease (a failed renewal must be noticed within seconds). */
    static final Timings SHORT = new Timings(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(500));

    @KubeApiServerResource.Inject
    KubeApiServer api;
    @RedisServerResource.Inject
    RedisServer redisServer;
    @Inject
    KubernetesClient client;
    @Inject
    RedisDataSource redis;
    @Inject
    Redis redisClient;
    @Inject
    ObjectMapper json;
    @Inject
    AutoscalerConfig config;
    @Inject
    DecisionEngine engine;
    @Inject
    MetricFetcher fetcher;
    @Inject
    ScaleActuator actuator;
    @Inject
    DryRunActuator virtual;
    @Inject
    TestClock clock;
    @Inject
    Event<PolicyDecided> decided;

    private final List<Autoscaler> started = new ArrayList<>();
    private PolicyKey key;

    /** One autoscaler process: a Lease candidate, the gate it drives, and a loop of its own over the shared cluster. */
    final class Autoscaler {
        final String identity;
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        final Leadership leadership = new Leadership(true, new AutoscalerMetrics(meters));
        final PolicyRegistry registry = new PolicyRegistry();
        final PolicyTicker ticker;
        final LeaseElection election;

        Autoscaler(String identity, boolean releaseOnStop, Timings timings) {
            this.identity = identity;
            this.ticker = new PolicyTicker(registry, engine, fetcher, actuator, virtual, new AutoscalerMetrics(meters),
                    clock, config, TestStores.newStore(redisClient, json, config), leadership, decided);
            this.election = new LeaseElection(client, new LeaseElection.Settings(NS, LEASE, identity,
                    timings.leaseDuration(), timings.renewDeadline(), timings.retryPeriod(), releaseOnStop), leadership::leading, leadership::observedHolder);
            registry.upsert(key, PoliciesFile.load("classpath:runtime/queue-policies.yaml", NS).get(RedisQueueScalingTest.POLICY).spec());
            started.add(this);
            election.start();
        }

        Optional<Integer> tick(Duration after) {
            clock.advance(after);
            return ticker.tick(key).map(d -> d.desiredReplicas());
        }

        double leaderGauge() {
            return meters.get("ballast.autoscaler.leader").gauge().value();
        }
    }

    @BeforeEach
    void arrange() {
        key = RedisQueueScalingTest.POLICY;
        redis.flushall();
        clock.advance(Duration.ofDays(1));
        client.apps().deployments().inNamespace(NS).withName(key.name()).delete();
        TestTargets.deployment(client, NS, key.name(), 1);
        client.leases().inNamespace(NS).withName(LEASE).delete();
    }

    @AfterEach
    void stopAll() {
        api.clearFaults();
        started.forEach(a -> a.election.stop());
    }

    private int deploymentReplicas() {
        return client.apps().deployments().inNamespace(NS).withName(key.name()).get().getSpec().getReplicas();
    }

    private void backlog(int tasks) {
        redis.key().del("gpu");
        if (tasks > 0) {
            redis.list(String.class).lpush("gpu", IntStream.range(0, tasks).mapToObj(i -> "t" + i).toArray(String[]::new));
        }
    }

    private Lease lease() {
        return client.leases().inNamespace(NS).withName(LEASE).get();
    }

    @Test
    @DisplayName("only the leader scales; when it dies the other takes over within the lease duration and keeps the window")
    void followerTakesOverAfterCrash() {
        Autoscaler a = new Autoscaler("autoscaler-a", false, STEADY);
        await().atMost(STEADY.takeover()).until(a.leadership::acting);
        Autoscaler b = new Autoscaler("autoscaler-b", false, STEADY);
        await().atMost(STEADY.takeover()).until(() -> "autoscaler-a".equals(b.leadership.holder()));

        backlog(40);
        assertThat(b.tick(Duration.ZERO)).as("a follower does not tick").isEmpty();
        assertThat(deploymentReplicas()).isEqualTo(1);
        assertThat(a.tick(Duration.ofSeconds(15))).as("the HPA's scale-up limit: 1 -> at most 5").contains(5);
        assertThat(a.tick(Duration.ofSeconds(15))).contains(8);
        assertThat(deploymentReplicas()).as("the leader scaled: 40 tasks / 5 per replica").isEqualTo(8);
        backlog(0);
        assertThat(a.tick(Duration.ofSeconds(15))).as("inside the 60 s stabilization window").contains(8);
        assertThat(b.tick(Duration.ZERO)).isEmpty();
        assertThat(a.leaderGauge()).isEqualTo(1.0);
        assertThat(b.leaderGauge()).isEqualTo(0.0);

        a.election.stop(); // dies: no release, the Lease still names it until it expires

        assertThat(a.leadership.acting()).as("a replica that stops renewing stops acting at once").isFalse();
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("autoscaler-a");
        await().atMost(STEADY.takeover()).until(b.leadership::acting);
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("autoscaler-b");
        assertThat(lease().getSpec().getLeaseTransitions()).isEqualTo(1);
        assertThat(b.leaderGauge()).isEqualTo(1.0);
        assertThat(a.tick(Duration.ZERO)).as("the old leader no longer ticks").isEmpty();

        assertThat(b.tick(Duration.ofSeconds(15))).as("the new leader read the window from Redis: no early scale-down").contains(8);
        assertThat(deploymentReplicas()).isEqualTo(8);
        assertThat(b.tick(Duration.ofSeconds(15))).contains(8);
        assertThat(b.tick(Duration.ofSeconds(15))).as("60 s after the last high recommendation, as without the failover").contains(1);
        assertThat(deploymentReplicas()).isEqualTo(1);
    }

    @Test
    @DisplayName("a graceful stop releases the Lease, so the follower takes over at its next retry")
    void gracefulStopReleasesLease() {
        Autoscaler a = new Autoscaler("autoscaler-a", true, STEADY);
        await().atMost(STEADY.takeover()).until(a.leadership::acting);
        Autoscaler b = new Autoscaler("autoscaler-b", true, STEADY);
        await().atMost(STEADY.takeover()).until(() -> "autoscaler-a".equals(b.leadership.holder()));

        a.election.stop();

        assertThat(a.leadership.acting()).isFalse();
        await().atMost(STEADY.takeover()).until(b.leadership::acting);
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("autoscaler-b");
        backlog(12);
        assertThat(b.tick(Duration.ofSeconds(15))).contains(3);
        assertThat(deploymentReplicas()).isEqualTo(3);
    }

    @Test
    @DisplayName("a leader that cannot renew within the renew deadline stops acting, then campaigns again")
    void lostRenewalStopsActing() {
        Autoscaler a = new Autoscaler("autoscaler-a", true, SHORT);
        await().atMost(SHORT.takeover()).until(a.leadership::acting);

        api.failNext("PATCH", "/leases/" + LEASE, 500, 10_000); // fabric8 renews a Lease with PATCH

        await().atMost(SHORT.renewDeadline().plus(SHORT.takeover())).until(() -> !a.leadership.acting());
        assertThat(a.leaderGauge()).isEqualTo(0.0);
        assertThat(a.tick(Duration.ofSeconds(15))).isEmpty();

        api.clearFaults();

        await().atMost(SHORT.takeover()).until(a.leadership::acting);
        assertThat(a.leaderGauge()).isEqualTo(1.0);
    }
}
