package dev.ballast.autoscaler.engine;

/** replica_calculator.go Tolerances: the inclusive band [1 - scaleDown, 1 + scaleUp] in which nothing changes. */
public record Tolerances(double scaleDown, double scaleUp) {

    public boolean isWithin(double usageRatio) {
        return (1.0 - scaleDown) <= usageRatio && usageRatio <= (1.0 + scaleUp);
    }
}
