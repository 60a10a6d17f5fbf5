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
import io.vertx.mutiny.core.Vertx;
import io.vertx.redis.client.RedisOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The depth of a Celery, RQ, BullMQ, Sidekiq or plain-list queue, read with one pipelined batch of the O(1) counts
 * task-queues plans (KEDA's redis-lists scaler reads one LLEN; Celery priority sub-queues are summed here). The
 * backlog counts jobs a worker could start now; {@code includeInFlight} adds the running and reserved ones.
 */
@ApplicationScoped
public class RedisQueueSource implements MetricSource {

    private final Redis redis;
    private final Duration timeout;
    private final Vertx vertx;
    /** quarkus.redis.hosts: the server and database of the shared client; other databases get a client each. */
    private final String hosts;
    private final int defaultDatabase;
    private final Map<Integer, Redis> perDatabase = new ConcurrentHashMap<>();

    RedisQueueSource(Redis redis, AutoscalerConfig config, Vertx vertx,
                     @ConfigProperty(name = "quarkus.redis.hosts", defaultValue = "redis://127.0.0.1:6379") String hosts) {
        this.redis = redis;
        this.timeout = config.runtime().fetchTimeout();
        this.vertx = vertx;
        this.hosts = hosts.split(",")[0].trim();
        this.defaultDatabase = database(this.hosts);
    }

    /**
     * The client for a policy's {@code redisQueue.database}: the shared one for the database quarkus.redis.hosts
     * names, else one client per database whose connection string selects it (SELECT on a pooled connection would
     * leak into every later command on that connection).
     */
    Redis client(Integer database) {
        if (database == null || database == defaultDatabase) {
            return redis;
        }
        return perDatabase.computeIfAbsent(database, db -> Redis.createClient(vertx, new RedisOptions()
                .setConnectionString(withDatabase(hosts, db)).setMaxPoolSize(2).setMaxPoolWaiting(16)));
    }

    @PreDestroy
    void close() {
        perDatabase.values().forEach(Redis::close);
        perDatabase.clear();
    }

    /** The database a connection string selects (its path), 0 when it names none. */
    static int database(String uri) {
        String path = URI.create(uri).getPath();
        return path == null || path.isBlank() || path.equals("/") ? 0 : Integer.parseInt(path.substring(1));
    }

    /** The connection string with its database replaced, keeping scheme, credentials, host, port and query. */
    static String withDatabase(String uri, int database) {
        URI u = URI.create(uri);
        return u.getScheme() + "://" + u.getRawAuthority() + "/" + database + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
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
            responses = client(queue.database()).batch(requests).await().atMost(timeout);
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
