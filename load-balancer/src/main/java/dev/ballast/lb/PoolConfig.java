package dev.ballast.lb;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-pool settings, immutable. Defaults follow the systems we mirror: nginx max_fails=1 fail_timeout=10s,
 * Envoy outlier detection (5 consecutive 5xx / gateway failures, 30 s base, 300 s cap, 10 % max ejected,
 * 10 s interval),
 * HAProxy checks (inter 2 s, rise 2, fall 3), Envoy panic threshold 50 %, slow start off.
 *
 * @param maxFails nginx max_fails; 0 turns passive accounting off
 * @param consecutive5xx Envoy consecutive_5xx; 0 turns it off
 * @param consecutiveGatewayFailures Envoy consecutive_gateway_failure; 0 turns it off
 * @param maxEjectionPercent share of the pool that may be ejected at once (at least one endpoint always stays)
 * @param outlierInterval Envoy interval: each clean interval after an ejection lowers the backoff multiplier by one
 * @param initialHealthy active checks: a new endpoint is trusted until proven down (true), or needs one passing
 *                       probe first (false, Envoy's startup rule)
 * @param activeInterval how often the gateway should probe (HAProxy inter)
 * @param activeTimeout how long one probe may take (HAProxy: inter unless timeout check is set)
 * @param panicThreshold below this share of usable endpoints the pool ignores health (Envoy); 0 disables
 * @param slowStart linear weight ramp from 10 % to 100 % for new or recovered endpoints; zero disables
 */
public record PoolConfig(
        StrategyConfig strategy,
        int maxFails,
        Duration failTimeout,
        int consecutive5xx,
        int consecutiveGatewayFailures,
        Duration baseEjectionTime,
        Duration maxEjectionTime,
        int maxEjectionPercent,
        Duration outlierInterval,
        int rise,
        int fall,
        boolean initialHealthy,
        Duration activeInterval,
        Duration activeTimeout,
        double panicThreshold,
        Duration slowStart) {

    public PoolConfig {
        Objects.requireNonNull(strategy, "strategy");
        requireAtLeast("maxFails", maxFails, 0);
        requirePositive("failTimeout", failTimeout);
        requireAtLeast("consecutive5xx", consecutive5xx, 0);
        requireAtLeast("consecutiveGatewayFailures", consecutiveGatewayFailures, 0);
        requirePositive("baseEjectionTime", baseEjectionTime);
        requirePositive("maxEjectionTime", maxEjectionTime);
        if (maxEjectionPercent < 0 || maxEjectionPercent > 100) {
            throw new IllegalArgumentException("maxEjectionPercent " + maxEjectionPercent + " must be within 0..100");
        }
        requirePositive("outlierInterval", outlierInterval);
        requireAtLeast("rise", rise, 1);
        requireAtLeast("fall", fall, 1);
        requirePositive("activeInterval", activeInterval);
        requirePositive("activeTimeout", activeTimeout);
        if (!(panicThreshold >= 0.0 && panicThreshold <= 1.0)) {
            throw new IllegalArgumentException("panicThreshold " + panicThreshold
                    + " must be within 0..1 (0.5 = panic when fewer than half the endpoints are usable; 0 = never)");
        }
        Objects.requireNonNull(slowStart, "slowStart");
        if (slowStart.isNegative()) {
            throw new IllegalArgumentException("slowStart " + slowStart + " must not be negative (zero disables it)");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static PoolConfig defaults() {
        return builder().build();
    }

    /** Envoy: the real ejection time is base × ejections, capped by max(maxEjectionTime, base). */
    public Duration ejectionCap() {
        return maxEjectionTime.compareTo(baseEjectionTime) >= 0 ? maxEjectionTime : baseEjectionTime;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.strategy = strategy;
        b.maxFails = maxFails;
        b.failTimeout = failTimeout;
        b.consecutive5xx = consecutive5xx;
        b.consecutiveGatewayFailures = consecutiveGatewayFailures;
        b.baseEjectionTime = baseEjectionTime;
        b.maxEjectionTime = maxEjectionTime;
        b.maxEjectionPercent = maxEjectionPercent;
        b.outlierInterval = outlierInterval;
        b.rise = rise;
        b.fall = fall;
        b.initialHealthy = initialHealthy;
        b.activeInterval = activeInterval;
        b.activeTimeout = activeTimeout;
        b.panicThreshold = panicThreshold;
        b.slowStart = slowStart;
        return b;
    }

    private static void requireAtLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " " + value + " must be at least " + min);
        }
    }

    private static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " " + value + " must be positive");
        }
    }

    public static final class Builder {
        private StrategyConfig strategy = StrategyConfig.roundRobin();
        private int maxFails = 1;
        private Duration failTimeout = Duration.ofSeconds(10);
        private int consecutive5xx = 5;
        private int consecutiveGatewayFailures = 5;
        private Duration baseEjectionTime = Duration.ofSeconds(30);
        private Duration maxEjectionTime = Duration.ofSeconds(300);
        private int maxEjectionPercent = 10;
        private Duration outlierInterval = Duration.ofSeconds(10);
        private int rise = 2;
        private int fall = 3;
        private boolean initialHealthy = true;
        private Duration activeInterval = Duration.ofSeconds(2);
        private Duration activeTimeout = Duration.ofSeconds(2);
        private double panicThreshold = 0.5;
        private Duration slowStart = Duration.ZERO;

        private Builder() {
        }

        public Builder strategy(StrategyConfig value) {
            this.strategy = value;
            return this;
        }

        /** nginx max_fails / fail_timeout. */
        public Builder passive(int maxFails, Duration failTimeout) {
            this.maxFails = maxFails;
            this.failTimeout = failTimeout;
            return this;
        }

        /** Envoy outlier detection. */
        public Builder outlier(int consecutive5xx, int consecutiveGatewayFailures, Duration baseEjectionTime,
                Duration maxEjectionTime, int maxEjectionPercent) {
            this.consecutive5xx = consecutive5xx;
            this.consecutiveGatewayFailures = consecutiveGatewayFailures;
            this.baseEjectionTime = baseEjectionTime;
            this.maxEjectionTime = maxEjectionTime;
            this.maxEjectionPercent = maxEjectionPercent;
            return this;
        }

        /** Envoy outlier interval (default 10 s): how fast the ejection backoff forgets. */
        public Builder outlierInterval(Duration value) {
            this.outlierInterval = value;
            return this;
        }

        /** HAProxy rise/fall; initialHealthy=false means a new endpoint waits for one passing probe. */
        public Builder activeHealth(int rise, int fall, boolean initialHealthy) {
            this.rise = rise;
            this.fall = fall;
            this.initialHealthy = initialHealthy;
            return this;
        }

        /** How often and how long the prober (the gateway) should check; the library only records results. */
        public Builder activeTiming(Duration interval, Duration timeout) {
            this.activeInterval = interval;
            this.activeTimeout = timeout;
            return this;
        }

        public Builder panicThreshold(double value) {
            this.panicThreshold = value;
            return this;
        }

        public Builder slowStart(Duration value) {
            this.slowStart = value;
            return this;
        }

        public PoolConfig build() {
            return new PoolConfig(strategy, maxFails, failTimeout, consecutive5xx, consecutiveGatewayFailures,
                    baseEjectionTime, maxEjectionTime, maxEjectionPercent, outlierInterval, rise, fall, initialHealthy,
                    activeInterval, activeTimeout, panicThreshold, slowStart);
        }
    }
}
