package dev.ballast.autoscaler.source;

import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.policy.BallastSpec;
import dev.ballast.taskqueues.JobState;
import dev.ballast.taskqueues.QueueCountPlan;
import dev.ballast.taskqueues.QueueCounts;
import dev.ballast.taskqueues.QueueLayout;
import dev.ballast.taskqueues.QueueSystem;
import dev.ballast.taskqueues.RedisRead;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The depth of a Celery, RQ, BullMQ, Sidekiq or plain-list queue, read with one pipelined batch of the O(1) counts
 * task-queues plans (KEDA's redis-lists scaler reads one LLEN; Celery priority sub-queues are summed here). The
 * backlog counts jobs a worker could start now; {@code includeInFlight} adds the running and reserved ones.
 */
@ApplicationScoped
public class RedisQueueSource implements MetricSource {

    private final Redis redis;
    private final Duration timeout;

    RedisQueueSource(Redis redis, AutoscalerConfig config) {
        this.redis = redis;
        this.timeout = config.runtime().fetchTimeout();
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public boolean accepts(MetricQuery query) {
        return query instanceof MetricQuery.RedisQueueDepth;
    }

    @Override
    public SourceValue fetch(MetricQuery query) throws MissingDataException {
        BallastSpec.RedisQueue queue = ((MetricQuery.RedisQueueDepth) query).queue();
        if (queue.database() != null && queue.database() != 0) {
            // SELECT on a pooled connection would leak into every later command; one client per database comes later.
            throw new MissingDataException("redisQueue.database " + queue.database() + " is not supported yet (only 0)");
        }
        QueueSystem system;
        try {
            system = queue.system();
        } catch (IllegalArgumentException e) {
            throw new MissingDataException(e.getMessage(), e);
        }
        QueueCountPlan plan = QueueLayout.withPrefix(system, queue.prefix()).countPlan(queue.queue());
        List<Request> requests = new ArrayList<>();
        for (RedisRead read : plan.redisReads()) {
            requests.add(Request.cmd(command(read.command())).arg(read.key()));
        }
        List<Response> responses;
        try {
            responses = redis.batch(requests).await().atMost(timeout);
        } catch (RuntimeException e) {
            throw new MissingDataException("Redis did not count " + system.label() + " queue '" + queue.queue() + "': " + e, e);
        }
        List<Long> answers = new ArrayList<>(responses.size());
        for (Response r : responses) {
            answers.add(r == null ? 0L : r.toLong());
        }
        QueueCounts counts = plan.evaluate(answers);
        long depth = counts.backlog();
        if (Boolean.TRUE.equals(queue.includeInFlight())) {
            depth += counts.count(JobState.ACTIVE) + counts.count(JobState.RESERVED);
        }
        return SourceValue.single(depth * 1000);
    }

    private static Command command(RedisRead.Command c) {
        return switch (c) {
            case LLEN -> Command.LLEN;
            case ZCARD -> Command.ZCARD;
            case SCARD -> Command.SCARD;
            case HLEN -> Command.HLEN;
        };
    }
}
