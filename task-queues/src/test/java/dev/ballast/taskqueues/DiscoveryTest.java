package dev.ballast.taskqueues;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class DiscoveryTest {

    @Test
    void rqDiscoversQueuesFromTheMembersOfRqQueues() {
        DiscoveryPlan plan = new RqLayout().discovery().orElseThrow();

        assertThat(plan.kind()).isEqualTo(DiscoveryPlan.Kind.SET_MEMBERS);
        assertThat(plan.keyOrPattern()).isEqualTo("rq:queues");
        assertThat(plan.queueName("rq:queue:high")).contains("high");
        assertThat(plan.queueName("something-else")).isEmpty();
    }

    @Test
    void sidekiqDiscoversQueuesFromTheQueuesSetWhoseMembersAreBareNames() {
        DiscoveryPlan plan = new SidekiqLayout("shop").discovery().orElseThrow();

        assertThat(plan.keyOrPattern()).isEqualTo("shop:queues");
        assertThat(plan.queueName("default")).contains("default");
    }

    @Test
    void bullMqDiscoversQueuesByScanningForMetaHashes() {
        DiscoveryPlan plan = BullMqLayout.defaults().discovery().orElseThrow();

        assertThat(plan.kind()).isEqualTo(DiscoveryPlan.Kind.SCAN);
        assertThat(plan.keyOrPattern()).isEqualTo("bull:*:meta");
        assertThat(plan.queueName("bull:video:meta")).contains("video");
        assertThat(plan.queueName("bull::meta")).isEmpty();
    }

    @Test
    void celeryDiscoversQueuesFromKombuBindingSetsLeavingOutEventAndBroadcastQueues() {
        DiscoveryPlan plan = CeleryLayout.defaults().discovery().orElseThrow();
        String sep = "\u0006\u0016";

        assertThat(plan.kind()).isEqualTo(DiscoveryPlan.Kind.SCAN_SET_MEMBERS);
        assertThat(plan.keyOrPattern()).isEqualTo("_kombu.binding.*");
        assertThat(plan.queueName("emails" + sep + sep + "emails")).contains("emails");
        assertThat(plan.queueName("task.#" + sep + "task.#" + sep + "tasks")).contains("tasks");
        assertThat(plan.queueName("worker.#" + sep + sep + "celeryev.5b1e0c7a-1f7d-4c57-9a39-2c1e8f0d3b4a")).isEmpty();
        assertThat(plan.queueName(sep + sep + "celery@host-1.celery.pidbox")).isEmpty();
        assertThat(plan.queueName("no separator here")).isEmpty();
    }

    @Test
    void celeryBindingKeysTakeTheGlobalKeyPrefix() {
        assertThat(QueueLayout.withPrefix(QueueSystem.CELERY, "app1:").discovery().orElseThrow().keyOrPattern())
                .isEqualTo("app1:_kombu.binding.*");
    }

    @Test
    void plainListsHaveNoRegistryAndMustBeConfigured() {
        assertThat(new ListLayout().discovery()).isEqualTo(Optional.empty());
    }

    @ParameterizedTest(name = "allow {0}: {1} → {2}")
    @CsvSource({
            "'',          anything,  true",
            "'mail*',     mailers,   true",
            "'mail*',     video,     false",
            "'q?',        q1,        true",
            "'q?',        q10,       false",
            "'a.b',       axb,       false",
    })
    void allowListUsesGlobs(String glob, String name, boolean allowed) {
        QueueSelection selection = new QueueSelection(glob.isEmpty() ? List.of() : List.of(glob), 10);

        assertThat(selection.allowed(name)).isEqualTo(allowed);
    }

    @Test
    void configuredQueuesAreAlwaysKeptAndTheCapTrimsDiscoveredOnesInNameOrder() {
        QueueSelection selection = new QueueSelection(List.of("batch-*"), 3);

        QueueSelection.Result result = selection.select(List.of("zeta"), List.of("batch-c", "batch-a", "other", "batch-b"));

        assertThat(result.queues()).containsExactly("batch-a", "batch-b", "zeta");
        assertThat(result.droppedByCap()).isEqualTo(1);
    }

    @Test
    void aCapBelowOneIsRejected() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new QueueSelection(List.of(), 0))
                .hasMessageContaining("at least 1");
    }
}
