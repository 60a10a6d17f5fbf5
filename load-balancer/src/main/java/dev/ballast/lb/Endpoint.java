package dev.ballast.lb;

import dev.ballast.lb.health.ActiveHealth;
import dev.ballast.lb.health.OutlierDetection;
import dev.ballast.lb.health.PassiveHealth;
import dev.ballast.lb.health.SlowStart;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Live view of one endpoint inside a pool. Per-request state (in-flight count) is a single atomic int on a cache line
 * of its own (see {@code EndpointCounter}); health state lives in one object per concern (nginx passive, Envoy
 * outlier, HAProxy active), as Envoy keeps health checking, outlier detection and selection apart. Survives snapshot updates when its id stays.
 */
public final class Endpoint extends EndpointCounterPadAfter {

    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(EndpointCounter.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final UpstreamPool pool;
    private volatile EndpointSpec spec;
    private volatile int weight;
    private volatile boolean draining;
    /** Start of the slow-start ramp; may lie in the future (end of an ejection). */
    private volatile long rampFrom;
    private final long slowStartNanos;
    /** Added to a pool that already had endpoints: it ramps when it first becomes usable (HAProxy slowstart). */
    final boolean joinedLate;
    final PassiveHealth passive;
    final OutlierDetection outlier;
    final ActiveHealth active;

    Endpoint(UpstreamPool pool, EndpointSpec spec, PoolConfig config, long nowNanos, boolean rampUp) {
        this.pool = pool;
        this.joinedLate = rampUp;
        this.spec = spec;
        this.weight = spec.weight();
        this.slowStartNanos = config.slowStart().toNanos();
        this.rampFrom = rampUp ? nowNanos : nowNanos - slowStartNanos;
        this.passive = new PassiveHealth(config.maxFails(), config.failTimeout().toNanos(), spec.weight(), nowNanos);
        this.outlier = new OutlierDetection(config.consecutive5xx(), config.consecutiveGatewayFailures(),
                config.baseEjectionTime().toNanos(), config.ejectionCap().toNanos(),
                config.outlierInterval().toNanos());
        this.active = new ActiveHealth(config.rise(), config.fall(), config.initialHealthy());
    }

    public EndpointSpec spec() {
        return spec;
    }

    public String id() {
        return spec.id();
    }

    public String host() {
        return spec.host();
    }

    public int port() {
        return spec.port();
    }

    /** Configured weight (nginx peer->weight). */
    public int weight() {
        return weight;
    }

    /** Current in-flight requests and open streams. */
    public int inFlight() {
        return (int) IN_FLIGHT.getVolatile(this);
    }

    /**
     * In-flight count without ordering (a plain read of the counter): for least-conn's pass over the whole pool,
     * where any recent value will do (counts move concurrently anyway); the volatile read cost 15 of 110 ns per
     * pick at 100 peers (JMH).
     */
    public int inFlightRelaxed() {
        return (int) IN_FLIGHT.get(this);
    }

    /**
     * This endpoint's state (health, in-flight, ejection…) computed from its own fields only: O(1), for per-endpoint
     * meters that would otherwise build the whole {@link UpstreamPool#state()} once per endpoint.
     */
    public EndpointState state() {
        return pool.stateOf(this);
    }

    public boolean isDraining() {
        return draining;
    }

    /** nginx effective_weight: lowered by failures, climbs back one per round-robin round. */
    public int effectiveWeight() {
        return passive.effectiveWeight();
    }

    /** Round robin's recovery step ("if (peer->effective_weight < peer->weight) peer->effective_weight++"). */
    public void recoverEffectiveWeight() {
        passive.recoverOneStep();
    }

    /** Slow-start factor in permille (100..1000), 1000 when no ramp is running. */
    public int slowStartPermille(long nowNanos) {
        return slowStartNanos == 0 ? SlowStart.FULL : SlowStart.permille(nowNanos, rampFrom, slowStartNanos);
    }

    /** Static weight scaled by slow start, in thousandths: what weighted random and least-* strategies use. */
    public long rampedWeight(long nowNanos) {
        return (long) weight * slowStartPermille(nowNanos);
    }

    /** Effective weight scaled by slow start, in thousandths: what smooth weighted round robin uses. */
    public long selectionWeight(long nowNanos) {
        return (long) passive.effectiveWeight() * slowStartPermille(nowNanos);
    }

    /** End of the running slow-start ramp, or Long.MIN_VALUE when none is running. */
    long rampEnd(long nowNanos) {
        if (slowStartNanos == 0) {
            return Long.MIN_VALUE;
        }
        long end = rampFrom + slowStartNanos;
        return nowNanos - end < 0 ? end : Long.MIN_VALUE;
    }

    // ---- pool-internal state changes ----

    void respec(EndpointSpec newSpec) {
        spec = newSpec;
        weight = newSpec.weight();
        passive.reweight(newSpec.weight());
    }

    /** Health only: usable when active checks pass, not ejected and not waiting out nginx fail_timeout. */
    boolean isHealthy(long nowNanos, boolean single) {
        return active.isUp() && !outlier.isEjected(nowNanos) && (single || !passive.isBlocked(nowNanos));
    }

    /**
     * Counts one more request in flight here and returns the count before it, in one atomic instruction. Only for a
     * {@link dev.ballast.lb.strategy.Strategy} whose {@code countsPick()} is true, on the endpoint its {@code pick}
     * returns (the pool then does not count that pick again, and the lease drops the count when it completes).
     * Least-request needs the chosen endpoint's count: reading it and then raising it took the counter's cache line
     * from the other core twice, once shared and once to write; on two threads this took about 8 ns off a pick on
     * average (README, Session 17).
     */
    public int countPick() {
        return (int) IN_FLIGHT.getAndAdd(this, 1);
    }

    void acquire() {
        countPick();
    }

    void release() {
        IN_FLIGHT.getAndAdd(this, -1);
    }

    boolean setDraining(boolean value) {
        boolean was = draining;
        draining = value;
        return was != value;
    }

    void startRamp(long fromNanos) {
        rampFrom = fromNanos;
    }

    UpstreamPool pool() {
        return pool;
    }

    @Override
    public String toString() {
        return "Endpoint[" + spec.id() + " weight=" + weight + " inFlight=" + inFlight() + "]";
    }
}
