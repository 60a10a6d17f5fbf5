package dev.ballast.taskqueues;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueueLayoutTest {

    static Stream<Arguments> countPlans() {
        return Stream.of(
                Arguments.of(QueueLayout.defaults(QueueSystem.CELERY), "celery", List.of(
                        "LLEN celery", "LLEN celery\\x06\\x163", "LLEN celery\\x06\\x166", "LLEN celery\\x06\\x169")),
                Arguments.of(QueueLayout.withPrefix(QueueSystem.CELERY, "app1:"), "emails", List.of(
                        "LLEN app1:emails", "LLEN app1:emails\\x06\\x163", "LLEN app1:emails\\x06\\x166", "LLEN app1:emails\\x06\\x169")),
                Arguments.of(QueueLayout.defaults(QueueSystem.RQ), "default", List.of(
                        "LLEN rq:queue:default", "ZCARD rq:wip:default", "ZCARD rq:scheduled:default",
                        "ZCARD rq:deferred:default", "ZCARD rq:failed:default")),
                Arguments.of(QueueLayout.defaults(QueueSystem.BULLMQ), "video", List.of(
                        "LLEN bull:video:wait", "LLEN bull:video:paused", "ZCARD bull:video:prioritized",
                        "LLEN bull:video:active", "ZCARD bull:video:delayed", "ZCARD bull:video:waiting-children",
                        "ZCARD bull:video:failed")),
                Arguments.of(QueueLayout.withPrefix(QueueSystem.BULLMQ, "myapp"), "video", List.of(
                        "LLEN myapp:video:wait", "LLEN myapp:video:paused", "ZCARD myapp:video:prioritized",
                        "LLEN myapp:video:active", "ZCARD myapp:video:delayed", "ZCARD myapp:video:waiting-children",
                        "ZCARD myapp:video:failed")),
                Arguments.of(QueueLayout.defaults(QueueSystem.SIDEKIQ), "mailers", List.of("LLEN queue:mailers")),
                Arguments.of(QueueLayout.withPrefix(QueueSystem.SIDEKIQ, "shop"), "mailers", List.of("LLEN shop:queue:mailers")),
                Arguments.of(QueueLayout.defaults(QueueSystem.LIST), "jobs:pending", List.of("LLEN jobs:pending")));
    }

    @ParameterizedTest(name = "{0} counts queue {1} with {2}")
    @MethodSource("countPlans")
    void eachSystemCountsAQueueWithItsExactKeysAndCommands(QueueLayout layout, String queue, List<String> expected) {
        QueueCountPlan plan = layout.countPlan(queue);

        assertThat(plan.redisReads()).extracting(RedisRead::toString).containsExactlyElementsOf(expected);
    }

    @Test
    @DisplayName("Celery priority sub-queue keys carry the raw bytes 0x06 0x16 between name and step")
    void celeryPrioritySeparatorIsTheTwoControlBytes() {
        String key = CeleryLayout.defaults().priorityKey("celery", 9);

        assertThat(key.getBytes(StandardCharsets.UTF_8))
                .containsExactly('c', 'e', 'l', 'e', 'r', 'y', 0x06, 0x16, '9');
    }

    @Test
    @DisplayName("Celery depth sums every priority sub-queue, not only the bare list")
    void celeryDepthSumsPrioritySubQueues() {
        QueueCountPlan plan = CeleryLayout.defaults().countPlan("celery");

        QueueCounts counts = plan.evaluate(List.of(4L, 3L, 2L, 1L));

        assertThat(counts.backlog()).isEqualTo(10);
        assertThat(counts.count(JobState.WAITING)).isEqualTo(10);
    }

    @Test
    void bullMqBacklogCountsWaitPausedAndPrioritizedButNotActiveDelayedOrFailed() {
        QueueCountPlan plan = BullMqLayout.defaults().countPlan("video");

        QueueCounts counts = plan.evaluate(List.of(5L, 2L, 3L, 7L, 11L, 13L, 17L));

        assertThat(counts.backlog()).isEqualTo(5 + 2 + 3);
        assertThat(counts.count(JobState.ACTIVE)).isEqualTo(7);
        assertThat(counts.count(JobState.SCHEDULED)).isEqualTo(11);
        assertThat(counts.count(JobState.DEFERRED)).isEqualTo(13);
        assertThat(counts.count(JobState.FAILED)).isEqualTo(17);
    }

    @Test
    void rqRegistriesAreCountedByStateAndOnlyTheQueueListIsBacklog() {
        QueueCounts counts = new RqLayout().countPlan("default").evaluate(List.of(6L, 2L, 1L, 0L, 4L));

        assertThat(counts.backlog()).isEqualTo(6);
        assertThat(counts.count(JobState.ACTIVE)).isEqualTo(2);
        assertThat(counts.count(JobState.SCHEDULED)).isEqualTo(1);
        assertThat(counts.count(JobState.FAILED)).isEqualTo(4);
    }

    @Test
    void sidekiqScheduleRetryAndDeadAreSharedSetsNotPerQueue() {
        QueueCountPlan shared = SidekiqLayout.defaults().sharedPlan();

        assertThat(shared.redisReads()).extracting(RedisRead::toString)
                .containsExactly("ZCARD schedule", "ZCARD retry", "ZCARD dead");
        QueueCounts counts = shared.evaluate(List.of(1L, 2L, 3L));
        assertThat(counts.queue()).isEmpty();
        assertThat(counts.backlog()).isZero();
        assertThat(counts.count(JobState.DEAD)).isEqualTo(3);
    }

    @Test
    void celeryUnackedHashIsTheSharedReservedCount() {
        assertThat(CeleryLayout.defaults().sharedPlan().redisReads()).extracting(RedisRead::toString)
                .containsExactly("HLEN unacked");
    }

    @Test
    void rqAndPlainListsShareNothingAcrossQueues() {
        assertThat(new RqLayout().sharedPlan().reads()).isEmpty();
        assertThat(new ListLayout().sharedPlan().reads()).isEmpty();
    }

    @Test
    void answersThatDoNotMatchThePlanAreRejectedWithBothSizes() {
        QueueCountPlan plan = CeleryLayout.defaults().countPlan("celery");

        assertThatThrownBy(() -> plan.evaluate(List.of(1L)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 reads").hasMessageContaining("1 answers");
    }

    @Test
    void missingOrNegativeAnswersCountAsZero() {
        QueueCounts counts = new ListLayout().countPlan("q").evaluate(java.util.Arrays.asList((Long) null));

        assertThat(counts.backlog()).isZero();
    }

    @Test
    void celeryPriorityStepsAndSeparatorAreTransportOptions() {
        CeleryLayout layout = new CeleryLayout("", ":", List.of(0, 5));

        assertThat(layout.countPlan("q").redisReads()).extracting(RedisRead::key).containsExactly("q", "q:5");
    }

    @Test
    void unknownSystemNamesAreRejectedWithTheChoices() {
        assertThatThrownBy(() -> QueueSystem.parse("resque"))
                .hasMessageContaining("celery, rq, bullmq, sidekiq, list");
        assertThat(QueueSystem.parse("BullMQ")).isEqualTo(QueueSystem.BULLMQ);
    }
}
