package dev.ballast.autoscaler.engine;

/**
 * The result of one replica_calculator.go function: a replica count with the usage it reports, or an error with the
 * ScalingActive reason the controller would set (FailedGetResourceMetric, FailedGetPodsMetric, ...).
 * Usage fields are milli-units; null when the target type does not report them.
 */
record Proposal(int replicas, Integer utilization, Long averageMilli, Long valueMilli, String error, String failureReason) {

    static Proposal failed(String reason, String error) {
        return new Proposal(-1, null, null, null, error, reason);
    }

    boolean ok() {
        return error == null;
    }
}
