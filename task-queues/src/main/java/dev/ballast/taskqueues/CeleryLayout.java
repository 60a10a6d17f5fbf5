package dev.ballast.taskqueues;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Celery on the kombu Redis transport: each queue is a list named after the queue, and each non-zero
 * priority step has its own list {@code queue + "\x06\x16" + step} (kombu {@code _q_for_pri},
 * {@code PRIORITY_STEPS = [0, 3, 6, 9]}). Depth is the sum over all of them; counting only the bare
 * list is the known celery-exporter bug (issue #272). Messages delivered but not acked sit in the
 * global {@code unacked} hash. {@code global_keyprefix} prefixes every key. Workers declare their
 * queues as kombu bindings: sets {@code _kombu.binding.<exchange>} whose members are
 * {@code routing_key + sep + pattern + sep + queue} (kombu {@code _queue_bind}); that is how queues are
 * discovered, leaving out kombu's own event ({@code celeryev.*}) and broadcast ({@code *.pidbox}) queues.
 */
public record CeleryLayout(String keyPrefix, String separator, List<Integer> prioritySteps) implements QueueLayout {

    /** kombu's default priority separator: the two control bytes 0x06 0x16. */
    public static final String DEFAULT_SEPARATOR = "\u0006\u0016";
    public static final List<Integer> DEFAULT_PRIORITY_STEPS = List.of(0, 3, 6, 9);

    public CeleryLayout {
        keyPrefix = keyPrefix == null ? "" : keyPrefix;
        if (separator == null || separator.isEmpty()) {
            throw new IllegalArgumentException("The Celery priority separator must not be empty");
        }
        prioritySteps = List.copyOf(prioritySteps);
        if (prioritySteps.isEmpty()) {
            throw new IllegalArgumentException("Celery needs at least one priority step (kombu's default is 0, 3, 6, 9)");
        }
    }

    public static CeleryLayout defaults() {
        return new CeleryLayout("", DEFAULT_SEPARATOR, DEFAULT_PRIORITY_STEPS);
    }

    @Override
    public QueueSystem system() {
        return QueueSystem.CELERY;
    }

    /** The list key of one priority step: the bare name for step 0, name + separator + step otherwise. */
    public String priorityKey(String queue, int step) {
        return step == 0 ? keyPrefix + queue : keyPrefix + queue + separator + step;
    }

    @Override
    public QueueCountPlan countPlan(String queue) {
        List<CountRead> reads = new ArrayList<>();
        for (int step : prioritySteps) {
            reads.add(new CountRead(JobState.WAITING, RedisRead.llen(priorityKey(queue, step))));
        }
        return new QueueCountPlan(system(), queue, reads);
    }

    /** Queues of Celery's own plumbing: worker events and remote-control broadcast. */
    public static final List<String> PLUMBING_QUEUES = List.of("celeryev.*", "*.pidbox");

    @Override
    public Optional<DiscoveryPlan> discovery() {
        return Optional.of(DiscoveryPlan.scanSetMembers(keyPrefix + "_kombu.binding.*", separator, PLUMBING_QUEUES));
    }

    @Override
    public QueueCountPlan sharedPlan() {
        return new QueueCountPlan(system(), "", List.of(new CountRead(JobState.RESERVED, RedisRead.hlen(keyPrefix + "unacked"))));
    }
}
