package dev.ballast.autoscaler.engine;

import java.time.Instant;
import java.util.List;

/**
 * Per-metric replica proposals, transcribed from Kubernetes pkg/controller/podautoscaler/replica_calculator.go
 * (post-1.33: per-direction tolerances) and metrics/utilization.go: the same pod grouping, the same filling of
 * missing and unready pods, the same integer milli-unit truncations and the same float ceilings.
 */
final class ReplicaCalculator {

    // package-private, with groupPods, so GoReplicaCalcParityTest can port replica_calculator_test.go TestGroupPods
    static final byte READY = 0;
    static final byte UNREADY = 1;
    static final byte MISSING = 2;
    static final byte IGNORED = 3;

    private final EngineSettings settings;

    ReplicaCalculator(EngineSettings settings) {
        this.settings = settings;
    }

    /** Where a pod's sample for the metric lives. */
    enum Sample { RESOURCE, CONTAINER_RESOURCE, PODS_METRIC }

    private static final long[] NONE = new long[0];

    /** GetResourceReplicas: Resource or ContainerResource metric with target Utilization. */
    Proposal resourceUtilization(List<PodState> pods, Sample sample, String resource, String container,
                                 int currentReplicas, int targetUtilization, Tolerances tol, Instant now) {
        return resourceUtilization(pods, NONE, sample, resource, container, currentReplicas, targetUtilization, tol, now);
    }

    /**
     * As above, with {@code unlisted}: samples the metrics API returned for pods the pod list does not hold. They have
     * no request, so they stay out of the utilization, but count in len(metrics) when the count is recomputed.
     */
    Proposal resourceUtilization(List<PodState> pods, long[] unlisted, Sample sample, String resource, String container,
                                 int currentReplicas, int targetUtilization, Tolerances tol, Instant now) {
        int n = pods.size();
        if (n == 0) {
            return Proposal.failed(failReason(sample), "no pods returned by selector while calculating replica count");
        }
        long[] values = new long[n];
        long[] requests = new long[n];
        byte[] group = new byte[n];
        int readyPodCount = groupPods(pods, sample, resource, container, now, values, group);
        boolean anyMetric = false;
        for (int i = 0; i < n; i++) {
            if (group[i] == READY) {
                anyMetric = true;
                break;
            }
        }
        if (!anyMetric && unlisted.length == 0) {
            return Proposal.failed(failReason(sample), "did not receive metrics for targeted pods (pods might be unready)");
        }
        // calculateRequests runs over every listed pod, ignored and unready ones included.
        for (int i = 0; i < n; i++) {
            PodState pod = pods.get(i);
            Long request;
            if (container == null) {
                request = pod.requestsMilli().get(resource);
                if (request == null) {
                    return Proposal.failed(failReason(sample), "missing request for "
                            + resource + " in Pod " + pod.name());
                }
            } else {
                PodState.ContainerState c = pod.containers().get(container);
                if (c == null) {
                    return Proposal.failed(failReason(sample), "container "
                            + container + " not found in Pod " + pod.name());
                }
                request = c.requestsMilli().get(resource);
                if (request == null) {
                    return Proposal.failed(failReason(sample), "missing request for "
                            + resource + " in container " + container + " of Pod " + pod.name());
                }
            }
            requests[i] = request;
        }
        // GetResourceUtilizationRatio over the pods whose samples are kept.
        long metricsTotal = 0;
        long requestsTotal = 0;
        int entries = 0;
        int missing = 0;
        int unready = 0;
        for (int i = 0; i < n; i++) {
            if (group[i] == READY) {
                metricsTotal += values[i];
                requestsTotal += requests[i];
                entries++;
            } else if (group[i] == MISSING) {
                missing++;
            } else if (group[i] == UNREADY) {
                unready++;
            }
        }
        if (requestsTotal == 0) {
            return Proposal.failed(failReason(sample), "no metrics returned matched known pods");
        }
        int utilization = (int) ((metricsTotal * 100) / requestsTotal);
        int newEntries = entries + unlisted.length;
        long rawAverage = metricsTotal / entries;
        double usageRatio = (double) utilization / (double) targetUtilization;

        boolean scaleUpWithUnready = unready > 0 && usageRatio > 1.0;
        if (!scaleUpWithUnready && missing == 0) {
            if (tol.isWithin(usageRatio)) {
                return new Proposal(currentReplicas, utilization, rawAverage, null, null, null);
            }
            return new Proposal((int) Math.ceil(usageRatio * readyPodCount), utilization, rawAverage, null, null, null);
        }
        long newMetricsTotal = metricsTotal;
        long newRequestsTotal = requestsTotal;
        if (missing > 0 && usageRatio != 1.0) {
            long fallbackUtilization = Math.max(100, targetUtilization);
            for (int i = 0; i < n; i++) {
                if (group[i] == MISSING) {
                    // scale-down: a missing pod counts as using its request (or the target if above 100%); scale-up: 0
                    newMetricsTotal += usageRatio < 1.0 ? requests[i] * fallbackUtilization / 100 : 0;
                    newRequestsTotal += requests[i];
                    newEntries++;
                }
            }
        }
        if (scaleUpWithUnready) {
            for (int i = 0; i < n; i++) {
                if (group[i] == UNREADY) {
                    newRequestsTotal += requests[i];
                    newEntries++;
                }
            }
        }
        int newUtilization = (int) ((newMetricsTotal * 100) / newRequestsTotal);
        double newUsageRatio = (double) newUtilization / (double) targetUtilization;
        return settle(currentReplicas, usageRatio, newUsageRatio, newEntries, tol,
                new Proposal(currentReplicas, utilization, rawAverage, null, null, null));
    }

    /** calcPlainMetricReplicas: Resource AverageValue (GetRawResourceReplicas) and Pods AverageValue (GetMetricReplicas). */
    Proposal plainMetric(List<PodState> pods, Sample sample, String name, String container, int currentReplicas,
                         long targetMilli, Tolerances tol, Instant now) {
        return plainMetric(pods, NONE, sample, name, container, currentReplicas, targetMilli, tol, now);
    }

    /** As above, with samples of unlisted pods: GetMetricUsageRatio averages them in and len(metrics) counts them. */
    Proposal plainMetric(List<PodState> pods, long[] unlisted, Sample sample, String name, String container,
                         int currentReplicas, long targetMilli, Tolerances tol, Instant now) {
        int n = pods.size();
        if (n == 0) {
            return Proposal.failed(failReason(sample), "no pods returned by selector while calculating replica count");
        }
        long[] values = new long[n];
        byte[] group = new byte[n];
        int readyPodCount = groupPods(pods, sample, name, container, now, values, group);
        long total = 0;
        int entries = unlisted.length;
        int missing = 0;
        int unready = 0;
        for (long v : unlisted) {
            total += v;
        }
        for (int i = 0; i < n; i++) {
            switch (group[i]) {
                case READY -> {
                    total += values[i];
                    entries++;
                }
                case MISSING -> missing++;
                case UNREADY -> unready++;
                default -> {
                }
            }
        }
        if (entries == 0) {
            return Proposal.failed(failReason(sample), "did not receive metrics for targeted pods (pods might be unready)");
        }
        long usage = total / entries;
        double usageRatio = (double) usage / (double) targetMilli;
        boolean scaleUpWithUnready = unready > 0 && usageRatio > 1.0;
        if (!scaleUpWithUnready && missing == 0) {
            if (tol.isWithin(usageRatio)) {
                return new Proposal(currentReplicas, null, usage, null, null, null);
            }
            return new Proposal((int) Math.ceil(usageRatio * readyPodCount), null, usage, null, null, null);
        }
        long newTotal = total;
        int newEntries = entries;
        if (missing > 0 && usageRatio != 1.0) {
            // scale-down: missing pods count as exactly the target; scale-up: as 0
            newTotal += usageRatio < 1.0 ? targetMilli * missing : 0;
            newEntries += missing;
        }
        if (scaleUpWithUnready) {
            newEntries += unready;
        }
        double newUsageRatio = (double) (newTotal / newEntries) / (double) targetMilli;
        return settle(currentReplicas, usageRatio, newUsageRatio, newEntries, tol,
                new Proposal(currentReplicas, null, usage, null, null, null));
    }

    /** The common tail of both pod-based calculations: no change inside the band or on a direction flip. */
    private static Proposal settle(int currentReplicas, double usageRatio, double newUsageRatio, int entries,
                                   Tolerances tol, Proposal unchanged) {
        if (tol.isWithin(newUsageRatio) || (usageRatio < 1.0 && newUsageRatio > 1.0) || (usageRatio > 1.0 && newUsageRatio < 1.0)) {
            return unchanged;
        }
        int newReplicas = (int) Math.ceil(newUsageRatio * entries);
        if ((newUsageRatio < 1.0 && newReplicas > currentReplicas) || (newUsageRatio > 1.0 && newReplicas < currentReplicas)) {
            return unchanged;
        }
        return new Proposal(newReplicas, unchanged.utilization(), unchanged.averageMilli(), null, null, null);
    }

    /**
     * GetObjectMetricReplicas / GetExternalMetricReplicas (target Value), through getUsageRatioReplicaCount.
     * {@code currentReplicas} is scale.spec.replicas; the multiplier is the count of Running and Ready pods.
     */
    Proposal value(List<PodState> pods, long usageMilli, long targetMilli, int currentReplicas, Tolerances tol) {
        double usageRatio = (double) usageMilli / (double) targetMilli;
        int replicas;
        if (currentReplicas != 0) {
            if (tol.isWithin(usageRatio)) {
                return new Proposal(currentReplicas, null, null, usageMilli, null, null);
            }
            if (pods.isEmpty()) {
                return Proposal.failed(null, "unable to calculate ready pods: unable to get pods while calculating replica"
                        + " count: no pods returned by selector while calculating replica count");
            }
            long readyPodCount = 0;
            for (PodState pod : pods) {
                if (pod.runningAndReady()) {
                    readyPodCount++;
                }
            }
            double replicaCountFloat = usageRatio * (double) readyPodCount;
            replicas = replicaCountFloat > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.ceil(replicaCountFloat);
        } else {
            // scale to zero or n pods depending on usageRatio (HPAScaleToZero)
            replicas = (int) Math.ceil(usageRatio);
        }
        return new Proposal(replicas, null, null, usageMilli, null, null);
    }

    /**
     * GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas (target AverageValue): ceil(usage / target),
     * independent of readiness, unless within tolerance of statusReplicas.
     */
    Proposal averageValue(long usageMilli, long targetAverageMilli, int statusReplicas, Tolerances tol) {
        int replicas = statusReplicas;
        double usageRatio = (double) usageMilli / ((double) targetAverageMilli * (double) replicas);
        if (!tol.isWithin(usageRatio)) {
            double result = Math.ceil((double) usageMilli / (double) targetAverageMilli);
            replicas = result > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) result;
        }
        long perPod = statusReplicas == 0 ? usageMilli
                : (double) usageMilli >= (double) Long.MAX_VALUE ? Long.MAX_VALUE
                : (long) Math.ceil((double) usageMilli / (double) statusReplicas);
        return new Proposal(replicas, null, perPod, null, null, null);
    }

    /**
     * groupPods: ignored (deleting or Failed), unready (Pending; for CPU also never-ready or still initialising),
     * missing (no sample) or ready. Fills {@code values} with the samples and returns readyPodCount.
     */
    int groupPods(List<PodState> pods, Sample sample, String name, String container, Instant now,
                  long[] values, byte[] group) {
        boolean cpu = sample != Sample.PODS_METRIC && "cpu".equals(name);
        int readyPodCount = 0;
        for (int i = 0; i < pods.size(); i++) {
            PodState pod = pods.get(i);
            if (pod.deleting() || pod.phase() == PodPhase.FAILED) {
                group[i] = IGNORED;
                continue;
            }
            if (pod.phase() == PodPhase.PENDING) {
                group[i] = UNREADY;
                continue;
            }
            Long value = sampleOf(pod, sample, name, container);
            if (value == null) {
                group[i] = MISSING;
                continue;
            }
            values[i] = value;
            if (cpu && unreadyForCpu(pod, now)) {
                group[i] = UNREADY;
                continue;
            }
            group[i] = READY;
            readyPodCount++;
        }
        return readyPodCount;
    }

    private boolean unreadyForCpu(PodState pod, Instant now) {
        if (pod.ready() == null || pod.startTime() == null) {
            return true;
        }
        Instant transition = pod.readyTransitionTime() == null ? pod.startTime() : pod.readyTransitionTime();
        if (pod.startTime().plus(settings.cpuInitializationPeriod()).isAfter(now)) {
            // still initialising: ignore the sample if unready or if no full window was collected since the transition
            Instant sampled = pod.usageTimestamp() == null ? now : pod.usageTimestamp();
            return !pod.ready() || sampled.isBefore(transition.plusSeconds(pod.usageWindowSeconds()));
        }
        // past initialisation: ignore only if unready and never ready since start
        return !pod.ready() && pod.startTime().plus(settings.initialReadinessDelay()).isAfter(transition);
    }

    private static Long sampleOf(PodState pod, Sample sample, String name, String container) {
        return switch (sample) {
            case RESOURCE -> pod.usageMilli().get(name);
            case PODS_METRIC -> pod.metricsMilli().get(name);
            case CONTAINER_RESOURCE -> {
                PodState.ContainerState c = pod.containers().get(container);
                yield c == null ? null : c.usageMilli().get(name);
            }
        };
    }

    private static String failReason(Sample sample) {
        return switch (sample) {
            case RESOURCE -> "FailedGetResourceMetric";
            case CONTAINER_RESOURCE -> "FailedGetContainerResourceMetric";
            case PODS_METRIC -> "FailedGetPodsMetric";
        };
    }
}
