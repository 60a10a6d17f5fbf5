package dev.ballast.autoscaler.engine;

/** The outcome of normalizing a recommendation: the replicas plus the AbleToScale and ScalingLimited conditions. */
record Normalization(int replicas, Condition ableToScale, Condition scalingLimited) {
}
