package dev.ballast.autoscaler.engine;

/** core/v1 PodPhase values the HPA distinguishes. */
public enum PodPhase {
    PENDING, RUNNING, SUCCEEDED, FAILED, UNKNOWN
}
