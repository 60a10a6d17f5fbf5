package dev.ballast.taskqueues;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The reads that count one queue, in the order the caller must pipeline them, and the arithmetic that
 * turns their answers into {@link QueueCounts}. Several reads may feed one state (Celery priority
 * sub-queues all feed WAITING and are summed).
 */
public record QueueCountPlan(QueueSystem system, String queue, List<CountRead> reads) {

    public QueueCountPlan {
        reads = List.copyOf(reads);
    }

    /** Just the Redis reads, in order. */
    public List<RedisRead> redisReads() {
        return reads.stream().map(CountRead::read).toList();
    }

    /**
     * Folds the answers (one integer per read, same order) into counts.
     *
     * @throws IllegalArgumentException when the number of answers does not match the plan
     */
    public QueueCounts evaluate(List<Long> answers) {
        if (answers.size() != reads.size()) {
            throw new IllegalArgumentException("Plan for " + system.label() + " queue '" + queue + "' has " + reads.size()
                    + " reads but got " + answers.size() + " answers");
        }
        Map<JobState, Long> byState = new EnumMap<>(JobState.class);
        long backlog = 0;
        for (int i = 0; i < reads.size(); i++) {
            CountRead read = reads.get(i);
            long value = answers.get(i) == null ? 0 : Math.max(0, answers.get(i));
            byState.merge(read.state(), value, Long::sum);
            if (read.backlog()) {
                backlog += value;
            }
        }
        return new QueueCounts(system, queue, byState, backlog);
    }
}
