package dev.ballast.exporter.collector.queue;

import dev.ballast.exporter.collector.CollectionException;
import dev.ballast.exporter.collector.CollectionTarget;
import dev.ballast.exporter.collector.Collector;
import dev.ballast.exporter.metrics.MetricFamily;
import dev.ballast.exporter.metrics.Sample;
import dev.ballast.taskqueues.CountRead;
import dev.ballast.taskqueues.DiscoveryPlan;
import dev.ballast.taskqueues.QueueCountPlan;
import dev.ballast.taskqueues.QueueCounts;
import dev.ballast.taskqueues.QueueLayout;
import dev.ballast.taskqueues.QueueSelection;
import dev.ballast.taskqueues.QueueSystem;
import dev.ballast.taskqueues.RedisRead;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Depth and state of task queues kept in Redis by Celery, RQ, BullMQ, Sidekiq or as plain lists. The
 * key layouts come from the shared task-queues module; this class only executes its plans: discovery
 * (set members, or SCAN with a cursor and COUNT, never KEYS), then every count of a group in one
 * pipelined batch.
 */
@ApplicationScoped
public class RedisTaskQueueCollector implements Collector<RedisTaskQueueCollector.QueueGroup> {

    static final MetricFamily LENGTH = MetricFamily.gauge("ballast_task_queue_length",
            "Jobs a worker could start now (waiting, paused and prioritized); for Celery the sum over all priority sub-queues.",
            "system", "queue");
    static final MetricFamily JOBS = MetricFamily.gauge("ballast_task_queue_jobs",
            "Jobs of a queue by state (waiting, paused, prioritized, active, scheduled, deferred, failed).",
            "system", "queue", "state");
    static final MetricFamily SHARED_JOBS = MetricFamily.gauge("ballast_task_queue_shared_jobs",
            "Jobs in sets a system shares across its queues (Sidekiq schedule, retry, dead; Celery unacked as reserved).",
            "system", "state");
    static final MetricFamily OVER_CAP = MetricFamily.gauge("ballast_exporter_task_queues_over_cap",
            "Queues of a group left uncounted because the group reached max-queues.", "system", "group");

    /** SCAN pages per discovery; with COUNT 1000 this walks up to 100 000 keys, in small non-blocking steps. */
    static final int MAX_SCAN_PAGES = 100;
    static final int SCAN_COUNT = 1000;

    /** One configured group of queues of one system. */
    public record QueueGroup(String name, Duration interval, Duration timeout, QueueLayout layout, List<String> configured,
                             boolean discover, QueueSelection selection) implements CollectionTarget {
    }

    private final Redis redis;
    private final List<QueueGroup> groups;

    RedisTaskQueueCollector(Redis redis, TaskQueueConfig config) {
        this.redis = redis;
        List<QueueGroup> list = new ArrayList<>();
        config.taskQueues().forEach((name, group) -> {
            QueueSystem system = QueueSystem.parse(group.system());
            QueueLayout layout = QueueLayout.withPrefix(system, group.keyPrefix().orElse(""));
            if (group.discover() && layout.discovery().isEmpty()) {
                throw new IllegalArgumentException("ballast.exporter.task-queues." + name + ".discover=true but " + system.label()
                        + " keeps no queue registry in Redis: list its queues in ballast.exporter.task-queues." + name + ".queues");
            }
            list.add(new QueueGroup(name, group.interval(), group.timeout(), layout, group.queues().orElse(List.of()),
                    group.discover(), new QueueSelection(group.allow().orElse(List.of()), group.maxQueues())));
        });
        this.groups = List.copyOf(list);
    }

    @Override
    public String name() {
        return "task_queues";
    }

    @Override
    public List<QueueGroup> targets() {
        return groups;
    }

    @Override
    public Uni<List<Sample>> collect(QueueGroup group) {
        Uni<List<String>> discovered = group.discover() && group.layout().discovery().isPresent()
                ? discover(group.layout().discovery().get())
                : Uni.createFrom().item(List.of());
        return discovered.flatMap(names -> count(group, group.selection().select(group.configured(), names)));
    }

    private Uni<List<Sample>> count(QueueGroup group, QueueSelection.Result selected) {
        List<QueueCountPlan> plans = new ArrayList<>();
        for (String queue : selected.queues()) {
            plans.add(group.layout().countPlan(queue));
        }
        QueueCountPlan shared = group.layout().sharedPlan();
        plans.add(shared);
        List<Request> requests = new ArrayList<>();
        for (QueueCountPlan plan : plans) {
            for (RedisRead read : plan.redisReads()) {
                requests.add(request(read));
            }
        }
        String system = group.layout().system().label();
        return redis.batch(requests).map(responses -> {
            List<Sample> samples = new ArrayList<>();
            int offset = 0;
            for (QueueCountPlan plan : plans) {
                List<Long> answers = new ArrayList<>(plan.reads().size());
                for (int i = 0; i < plan.reads().size(); i++) {
                    Response response = responses.get(offset + i);
                    answers.add(response == null ? 0L : response.toLong());
                }
                offset += plan.reads().size();
                QueueCounts counts = plan.evaluate(answers);
                if (plan == shared) {
                    sharedSamples(system, plan, counts, samples);
                } else {
                    queueSamples(system, plan, counts, samples);
                }
            }
            samples.add(OVER_CAP.sample(selected.droppedByCap(), system, group.name()));
            return samples;
        });
    }

    private static void queueSamples(String system, QueueCountPlan plan, QueueCounts counts, List<Sample> out) {
        out.add(LENGTH.sample(counts.backlog(), system, counts.queue()));
        Set<String> states = new LinkedHashSet<>();
        for (CountRead read : plan.reads()) {
            states.add(read.state().label());
        }
        for (CountRead read : plan.reads()) {
            if (states.remove(read.state().label())) {
                out.add(JOBS.sample(counts.count(read.state()), system, counts.queue(), read.state().label()));
            }
        }
    }

    private static void sharedSamples(String system, QueueCountPlan plan, QueueCounts counts, List<Sample> out) {
        for (CountRead read : plan.reads()) {
            out.add(SHARED_JOBS.sample(counts.count(read.state()), system, read.state().label()));
        }
    }

    private static Request request(RedisRead read) {
        Command command = switch (read.command()) {
            case LLEN -> Command.LLEN;
            case ZCARD -> Command.ZCARD;
            case SCARD -> Command.SCARD;
            case HLEN -> Command.HLEN;
        };
        return Request.cmd(command).arg(read.key());
    }

    private Uni<List<String>> discover(DiscoveryPlan plan) {
        return switch (plan.kind()) {
            case SET_MEMBERS -> redis.send(Request.cmd(Command.SMEMBERS).arg(plan.keyOrPattern()))
                    .map(response -> {
                        List<String> members = new ArrayList<>();
                        if (response != null) {
                            response.forEach(member -> members.add(member.toString()));
                        }
                        return names(plan, members);
                    });
            case SCAN -> scan(plan, "0", 0, new ArrayList<>()).map(keys -> names(plan, keys));
            case SCAN_SET_MEMBERS -> scan(plan, "0", 0, new ArrayList<>()).flatMap(keys -> {
                if (keys.isEmpty()) {
                    return Uni.createFrom().item(List.<String>of());
                }
                List<Request> reads = keys.stream().map(key -> Request.cmd(Command.SMEMBERS).arg(key)).toList();
                return redis.batch(reads).map(responses -> {
                    List<String> members = new ArrayList<>();
                    for (Response set : responses) {
                        if (set != null) {
                            set.forEach(member -> members.add(member.toString()));
                        }
                    }
                    return names(plan, members);
                });
            });
        };
    }

    private static List<String> names(DiscoveryPlan plan, List<String> membersOrKeys) {
        List<String> names = new ArrayList<>();
        for (String value : membersOrKeys) {
            plan.queueName(value).filter(name -> !names.contains(name)).ifPresent(names::add);
        }
        return names;
    }

    /** Keys matching the plan's pattern, page by page with a cursor (never KEYS), at most MAX_SCAN_PAGES pages. */
    private Uni<List<String>> scan(DiscoveryPlan plan, String cursor, int page, List<String> keys) {
        return redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(plan.keyOrPattern()).arg("COUNT").arg(SCAN_COUNT))
                .flatMap(response -> {
                    if (response == null || response.size() != 2) {
                        return Uni.createFrom().failure(new CollectionException(CollectionException.Reason.PARSE,
                                "SCAN answered without a cursor and key list"));
                    }
                    for (Response key : response.get(1)) {
                        keys.add(key.toString());
                    }
                    String next = response.get(0).toString();
                    if ("0".equals(next) || page + 1 >= MAX_SCAN_PAGES) {
                        return Uni.createFrom().item(keys);
                    }
                    return scan(plan, next, page + 1, keys);
                });
    }
}
