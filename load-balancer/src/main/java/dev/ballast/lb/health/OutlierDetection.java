package dev.ballast.lb.health;

import dev.ballast.lb.Outcome;

/**
 * Envoy outlier detection for one endpoint: consecutive_5xx and consecutive_gateway_failure counters, ejection for
 * base_ejection_time × backoff capped at max_ejection_time, where the backoff grows by one per ejection and shrinks
 * by one per clean interval after the host returns (outlier_detection_impl.cc, eject_time_backoff). Ejections end at
 * their exact deadline and clean intervals are counted from it, instead of at Envoy's sweeps, so behaviour is
 * deterministic.
 */
public final class OutlierDetection {

    private final int consecutive5xxLimit;
    private final int consecutiveGatewayLimit;
    private final long baseNanos;
    private final long capNanos;
    private final long intervalNanos;
    private int backoff;
    private int consecutive5xx;
    private int consecutiveGateway;
    private volatile boolean ejected;
    private volatile long ejectedUntil;
    private volatile int ejectionCount;

    public OutlierDetection(int consecutive5xxLimit, int consecutiveGatewayLimit, long baseNanos, long capNanos,
            long intervalNanos) {
        this.consecutive5xxLimit = consecutive5xxLimit;
        this.consecutiveGatewayLimit = consecutiveGatewayLimit;
        this.baseNanos = baseNanos;
        this.capNanos = capNanos;
        this.intervalNanos = intervalNanos;
    }

    /**
     * Counts one outcome, as Envoy's putHttpResponseCode: a gateway error bumps both counters, another 5xx bumps
     * consecutive_5xx and resets the gateway counter, anything else resets both.
     *
     * @return true when a threshold was just reached and the endpoint should be ejected (if the pool allows). The
     *     counter that tripped starts over whether or not the pool ejects, as Envoy resets it after trying
     *     (onConsecutiveErrorWorker): an endpoint refused by max_ejection_percent trips again after another run.
     */
    public boolean record(Outcome outcome, long nowNanos) {
        if (outcome.isNeutral()) {
            return false;
        }
        if (!outcome.is5xx()) {
            if (consecutive5xx != 0 || consecutiveGateway != 0) {
                synchronized (this) {
                    consecutive5xx = 0;
                    consecutiveGateway = 0;
                }
            }
            return false;
        }
        synchronized (this) {
            if (isEjected(nowNanos)) {
                return false; // traffic in panic mode says nothing new
            }
            boolean trip = false;
            if (outcome.isGatewayFailure()) {
                consecutiveGateway++;
                if (consecutiveGatewayLimit > 0 && consecutiveGateway >= consecutiveGatewayLimit) {
                    trip = true;
                    consecutiveGateway = 0;
                }
            } else {
                consecutiveGateway = 0;
            }
            consecutive5xx++;
            if (consecutive5xxLimit > 0 && consecutive5xx >= consecutive5xxLimit) {
                trip = true;
                consecutive5xx = 0;
            }
            return trip;
        }
    }

    /** Ejects now; returns the deadline. */
    public synchronized long eject(long nowNanos) {
        if (ejectionCount > 0 && backoff > 0) {
            // Envoy decrements the backoff at every sweep that finds the host back and healthy.
            long clean = Math.max(0, nowNanos - ejectedUntil) / intervalNanos;
            backoff = (int) Math.max(0, backoff - clean);
        }
        if ((double) backoff * baseNanos < (double) capNanos + baseNanos) {
            backoff++;
        }
        ejectionCount++;
        long duration = (long) Math.min((double) baseNanos * backoff, capNanos);
        ejectedUntil = nowNanos + duration;
        ejected = true;
        consecutive5xx = 0;
        consecutiveGateway = 0;
        return ejectedUntil;
    }

    /** Envoy successful_active_health_check_uneject_host: a passing probe ends the ejection early. */
    public synchronized boolean uneject(long nowNanos) {
        boolean was = isEjected(nowNanos);
        ejected = false;
        return was;
    }

    public boolean isEjected(long nowNanos) {
        return ejected && nowNanos - ejectedUntil < 0;
    }

    public long ejectedUntil() {
        return ejectedUntil;
    }

    /** Ejections so far (Envoy num_ejections). */
    public int ejectionCount() {
        return ejectionCount;
    }

    /** Current multiplier of the base ejection time. */
    public synchronized int backoff() {
        return backoff;
    }

    public synchronized int consecutive5xx() {
        return consecutive5xx;
    }

    public synchronized int consecutiveGatewayFailures() {
        return consecutiveGateway;
    }
}
