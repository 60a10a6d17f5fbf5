package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.engine.Condition;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.registry.PolicyKey;
import dev.ballast.testing.RedisServerResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Policies naming a budget group are decided together in the loop: when they want more than the group's
 * max-replicas, the lower priority gives way first (never below its minimum), and it gets its replicas back when
 * the higher priority needs fewer.
 */
@QuarkusTest
@TestProfile(BudgetGroupTicks.class)
@QuarkusTestResource(value = RedisServerResource.class, restrictToAnnotatedClass = true)
class BudgetGroupTest extends QueueLoopTest {

    static final PolicyKey CHAT = new PolicyKey("ml", "chat");
    static final PolicyKey BATCH = new PolicyKey("ml", "batch");

    @BeforeEach
    void fresh() {
        redis.flushall();
        actuator.set(CHAT, 1);
        actuator.set(BATCH, 1);
        clock.advance(Duration.ofHours(1));
    }

    private void queue(String name, int tasks) {
        redis.key().del(name);
        if (tasks > 0) {
            redis.list(String.class).lpush(name, IntStream.range(0, tasks).mapToObj(i -> "t" + i).toArray(String[]::new));
        }
    }

    private Map<PolicyKey, Decision> tick() {
        clock.advance(Duration.ofSeconds(15));
        return ticker.tickGroup("gpu-pool");
    }

    @Test
    @DisplayName("over budget, the lower priority is trimmed so the group stays within max-replicas")
    void lowerPriorityGivesWay() {
        queue("chat", 40);
        queue("batch", 40);

        Map<PolicyKey, Decision> d = tick();

        assertThat(d.get(CHAT).desiredReplicas()).as("chat (priority 10) gets all it asks for: 40 / 5").isEqualTo(8);
        assertThat(d.get(BATCH).desiredReplicas()).as("batch (priority 1) gets what is left of 10").isEqualTo(2);
        assertThat(actuator.current(CHAT) + actuator.current(BATCH)).isEqualTo(10);
        assertThat(d.get(BATCH).condition(Condition.BUDGET)).isNotNull().satisfies(c -> assertThat(c.holds()).isTrue());
        assertThat(d.get(CHAT).condition(Condition.BUDGET)).satisfies(c -> assertThat(c == null || !c.holds()).isTrue());
    }

    @Test
    @DisplayName("when the higher priority needs fewer, the lower priority gets its replicas back")
    void budgetFreedIsReused() {
        queue("chat", 40);
        queue("batch", 40);
        tick();

        queue("chat", 10);
        Map<PolicyKey, Decision> d = tick();

        assertThat(d.get(CHAT).desiredReplicas()).isEqualTo(2);
        assertThat(d.get(BATCH).desiredReplicas()).isEqualTo(8);
        assertThat(registry.find(BATCH).orElseThrow().lastDecision().desiredReplicas()).isEqualTo(8);
    }

    @Test
    @DisplayName("ticking one member decides the whole group, and within budget nobody is trimmed")
    void oneMemberTicksTheGroup() {
        queue("chat", 20);
        queue("batch", 15);

        clock.advance(Duration.ofSeconds(15));
        Decision chat = ticker.tick(CHAT).orElseThrow();

        assertThat(chat.desiredReplicas()).isEqualTo(4);
        assertThat(actuator.current(BATCH)).as("batch was decided in the same group tick").isEqualTo(3);
    }
}
