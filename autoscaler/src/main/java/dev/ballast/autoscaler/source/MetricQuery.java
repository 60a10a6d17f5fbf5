package dev.ballast.autoscaler.source;

import dev.ballast.autoscaler.policy.BallastSpec;

import java.time.Duration;

/**
 * One read a metric source can answer. Records, so that equal reads from several metrics or policies collapse into
 * one fetch per tick (KEDA's scalers cache per trigger the same way).
 */
public sealed interface MetricQuery {

    /** A PromQL instant query that must return one sample (Object/External metrics). */
    record PrometheusInstant(String server, String query) implements MetricQuery {
    }

    /** A PromQL instant query returning one series per pod, keyed by its {@code pod} label (Pods metrics). */
    record PrometheusPerPod(String server, String query) implements MetricQuery {
    }

    /** A range query for predictive history: evenly spaced values over {@code lookback}, one per {@code step}. */
    record PrometheusRange(String server, String query, Duration lookback, Duration step) implements MetricQuery {
    }

    /** The depth of a task queue in Redis, laid out as task-queues describes it. */
    record RedisQueueDepth(BallastSpec.RedisQueue queue) implements MetricQuery {
    }

    /**
     * metrics.k8s.io/v1beta1 PodMetrics of the pods a label selector picks in a namespace: the samples of every
     * Resource and ContainerResource metric of one target, read once per tick.
     */
    record KubernetesPodMetrics(String namespace, String selector) implements MetricQuery {
    }
}
