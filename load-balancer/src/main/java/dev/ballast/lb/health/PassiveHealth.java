package dev.ballast.lb.health;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * nginx passive health for one endpoint: max_fails within fail_timeout, then one trial request, plus the
 * effective_weight penalty that smooth weighted round robin reads (ngx_http_upstream_round_robin.c get/free peer).
 * Failures are rare, so they take this object's lock; the per-request paths only read volatiles.
 */
public final class PassiveHealth {

    private static final VarHandle EFFECTIVE_WEIGHT;
    private static final VarHandle CHECKED;

    static {
        try {
            EFFECTIVE_WEIGHT = MethodHandles.lookup().findVarHandle(PassiveHealth.class, "effectiveWeight", int.class);
            CHECKED = MethodHandles.lookup().findVarHandle(PassiveHealth.class, "checked", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int maxFails;
    private final long failTimeoutNanos;
    private volatile int weight;
    @SuppressWarnings("unused") // accessed through EFFECTIVE_WEIGHT
    private volatile int effectiveWeight;
    private volatile int fails;
    private volatile long checked;
    private volatile long accessed;
    /** The {@code checked} a trial pick set; while checked still equals it and fails stand, that trial runs. */
    private volatile long trialAt;

    public PassiveHealth(int maxFails, long failTimeoutNanos, int weight, long nowNanos) {
        this.maxFails = maxFails;
        this.failTimeoutNanos = failTimeoutNanos;
        this.weight = weight;
        this.effectiveWeight = weight;
        this.checked = nowNanos;
        this.accessed = nowNanos;
    }

    /** nginx: skipped while fails >= max_fails and now - checked <= fail_timeout. */
    public boolean isBlocked(long nowNanos) {
        return maxFails != 0 && fails >= maxFails && nowNanos - checked <= failTimeoutNanos;
    }

    /** First instant at which {@link #isBlocked} turns false by itself (only meaningful while blocked). */
    public long blockedUntil() {
        return checked + failTimeoutNanos + 1;
    }

    /**
     * nginx get_peer: once fail_timeout has passed since the last check, this pick moves {@code checked} to now
     * and is the trial request. Only one concurrent pick can move it (nginx holds the peers' lock there).
     *
     * @return true when this pick started a trial that makes the endpoint unavailable to other picks until it
     *     succeeds or fail_timeout passes again (fails &gt;= max_fails)
     */
    public boolean onPick(long nowNanos) {
        long c = checked;
        if (nowNanos - c > failTimeoutNanos && CHECKED.compareAndSet(this, c, nowNanos)) {
            if (maxFails != 0 && fails >= maxFails) {
                trialAt = nowNanos;
                return true;
            }
        }
        return false;
    }

    /**
     * True while a trial request started by {@link #onPick} is out: the endpoint is skipped meanwhile, but it is
     * not known to be down, so the pool's panic threshold still counts it as usable (a trial must not tip the pool
     * into panic, which would send everything to it and to the down endpoints).
     */
    public boolean trialRunning(long nowNanos) {
        long c = checked;
        return maxFails != 0 && fails >= maxFails && c == trialAt && nowNanos - c <= failTimeoutNanos;
    }

    /**
     * The trial's lease was given back unused (the gateway found the endpoint over its connection limit): nothing
     * was learnt, so the next pick may be the trial again, as if this one had not happened.
     */
    public synchronized void rearmTrial() {
        long t = trialAt;
        if (checked == t) { // no failure or success has ended the trial since
            checked = t - failTimeoutNanos - 1;
        }
    }

    /**
     * nginx free_peer with NGX_PEER_FAILED.
     *
     * @return true when this failure made the endpoint unavailable (fails reached max_fails)
     */
    public synchronized boolean onFailure(long nowNanos) {
        int f = fails + 1;
        fails = f;
        accessed = nowNanos;
        checked = nowNanos;
        if (maxFails == 0) {
            return false;
        }
        int penalty = weight / maxFails;
        int ew;
        do {
            ew = (int) EFFECTIVE_WEIGHT.getVolatile(this);
        } while (!EFFECTIVE_WEIGHT.compareAndSet(this, ew, Math.max(0, ew - penalty)));
        return f == maxFails;
    }

    /**
     * nginx free_peer without NGX_PEER_FAILED (a success, a status nginx does not retry on such as 500, or a client
     * that went away): after a check (the trial request) it forgets past failures.
     *
     * @return true when this success ended a failed period
     */
    public boolean onSuccess() {
        if (fails == 0) {
            return false;
        }
        synchronized (this) {
            if (fails != 0 && accessed - checked < 0) {
                boolean wasBlocked = maxFails != 0 && fails >= maxFails;
                fails = 0;
                return wasBlocked;
            }
            return false;
        }
    }

    /** Smooth weighted round robin: effective_weight climbs back by one per selection round. */
    public void recoverOneStep() {
        int ew = (int) EFFECTIVE_WEIGHT.getVolatile(this);
        if (ew < weight) {
            EFFECTIVE_WEIGHT.compareAndSet(this, ew, ew + 1);
        }
    }

    public int effectiveWeight() {
        return (int) EFFECTIVE_WEIGHT.getVolatile(this);
    }

    /** A re-weighted endpoint starts over at its new weight, as after an nginx reload. */
    public void reweight(int newWeight) {
        if (newWeight != weight) {
            weight = newWeight;
            EFFECTIVE_WEIGHT.setVolatile(this, newWeight);
        }
    }

    public int fails() {
        return fails;
    }
}
