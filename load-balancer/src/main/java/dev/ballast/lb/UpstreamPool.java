package dev.ballast.lb;

import dev.ballast.lb.health.ActiveHealth;
import dev.ballast.lb.strategy.Strategy;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One upstream pool: an immutable snapshot of endpoints swapped atomically on update (survivors keep their live
 * state by id), a strategy initialised over each snapshot, and the health rules that decide which endpoints are
 * usable. pick() takes no pool lock: it reads the snapshot and a cached health view that is rebuilt only when
 * health changes or a time-based deadline (end of fail_timeout or ejection) passes.
 */
public final class UpstreamPool {

    private static final System.Logger LOG = System.getLogger(UpstreamPool.class.getName());

    private final String name;
    private final PoolConfig config;
    private final TimeSource time;
    private final RandomSource random;
    private final boolean trackTotal;
    /**
     * Round robin and least-conn's tie rounds use nginx's effective weight (and climb it back); the other strategies
     * never read it, so a penalised effective weight must not keep their pool off the all-usable fast path.
     */
    private final boolean effectiveWeights;
    /** Without slow start, an all-usable pool with no pending deadline needs no clock read per pick. */
    private final boolean clockFree;
    /**
     * Requests in flight across the pool, for bounded-load hashing only. Striped (LongAdder): every pick and
     * completion on every event loop writes it, and one shared atomic made the two loops take turns on its cache line.
     */
    private final LongAdder totalInFlight = new LongAdder();
    private final Object writeLock = new Object();
    /** Endpoints removed with live state still running, by id (see {@link #update}); guarded by writeLock. */
    private final Map<String, Endpoint> retired = new HashMap<>();
    private volatile Snapshot snapshot;
    private volatile Eligibility view;
    /** Bumped on every health event; a cached view computed before the bump is discarded. */
    private final AtomicInteger healthVersion = new AtomicInteger();
    /**
     * Panic as last logged. Kept apart from the cached view, which every health event throws away: comparing with
     * the previous view would log "panic" again on each rebuild, i.e. on every failed request while in panic.
     */
    private final AtomicBoolean panicking = new AtomicBoolean();
    private final AtomicLong panicTransitions = new AtomicLong();

    /**
     * {@code counted}: the strategy's pick has already counted the endpoint it returns ({@link Strategy#countsPick}),
     * taken once per snapshot so a pick reads a field rather than making a second call on the strategy.
     */
    private record Snapshot(List<Endpoint> list, Map<String, Endpoint> byId, Strategy strategy, boolean counted) {

        Snapshot(List<Endpoint> list, Map<String, Endpoint> byId, Strategy strategy) {
            this(list, byId, strategy, strategy.countsPick());
        }
    }

    private UpstreamPool(String name, PoolConfig config, TimeSource time, RandomSource random) {
        this.name = name;
        this.config = config;
        this.time = time;
        this.random = random;
        this.trackTotal = config.strategy().boundedLoadFactor() > 0;
        this.effectiveWeights = config.strategy().kind() == StrategyConfig.Kind.ROUND_ROBIN
                || config.strategy().kind() == StrategyConfig.Kind.LEAST_CONN;
        this.clockFree = config.slowStart().isZero();
        this.snapshot = new Snapshot(List.of(), Map.of(), Strategy.init(config.strategy(), List.of(), random));
    }

    public static UpstreamPool create(String name, PoolConfig config, TimeSource time) {
        return create(name, config, time, RandomSource.threadLocal());
    }

    public static UpstreamPool create(String name, PoolConfig config, TimeSource time, RandomSource random) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("pool name must not be blank");
        }
        return new UpstreamPool(name, Objects.requireNonNull(config, "config"), Objects.requireNonNull(time, "time"),
                Objects.requireNonNull(random, "random"));
    }

    public String name() {
        return name;
    }

    public PoolConfig config() {
        return config;
    }

    /**
     * Replaces the endpoint set atomically. Endpoints whose id survives keep in-flight counts, failures, ejections,
     * probe state, draining and slow-start clock; new ones start a slow-start ramp unless the pool was empty
     * (HAProxy: "the slowstart never applies when HAProxy starts"). Duplicate ids are rejected.
     */
    public void update(List<EndpointSpec> endpoints) {
        Objects.requireNonNull(endpoints, "endpoints");
        synchronized (writeLock) {
            long now = time.nanoTime();
            Snapshot old = snapshot;
            boolean rampNew = !old.list().isEmpty();
            List<Endpoint> list = new ArrayList<>(endpoints.size());
            Map<String, Endpoint> byId = new HashMap<>();
            Set<String> ids = new HashSet<>();
            for (EndpointSpec spec : endpoints) {
                // All checks before any change: a rejected update leaves every endpoint as it was.
                Objects.requireNonNull(spec, "endpoint spec");
                if (!ids.add(spec.id())) {
                    throw new IllegalArgumentException("pool " + name + ": endpoint id " + spec.id()
                            + " appears twice; give each endpoint a distinct id");
                }
            }
            for (EndpointSpec spec : endpoints) {
                Endpoint endpoint = old.byId().get(spec.id());
                if (endpoint == null) {
                    endpoint = retired.remove(spec.id());
                }
                if (endpoint == null) {
                    endpoint = new Endpoint(this, spec, config, now, rampNew);
                } else {
                    endpoint.respec(spec);
                }
                byId.put(spec.id(), endpoint);
                list.add(endpoint);
            }
            // An endpoint dropped while it still has requests in flight, an ejection or a fail_timeout running is
            // kept aside: should discovery add it back (a flapping Endpoints list), it returns with that state,
            // instead of as a fresh endpoint with 0 in flight next to leases that are still open on it.
            for (Endpoint e : old.list()) {
                if (!byId.containsKey(e.id())) {
                    retired.put(e.id(), e);
                }
            }
            retired.values().removeIf(e -> e.inFlight() == 0 && !e.outlier.isEjected(now)
                    && !e.passive.isBlocked(now));
            List<Endpoint> frozen = Collections.unmodifiableList(list);
            snapshot = new Snapshot(frozen, Collections.unmodifiableMap(byId),
                    Strategy.init(config.strategy(), frozen, random));
            invalidate();
            int added = 0;
            for (Endpoint e : list) {
                if (!old.byId().containsKey(e.id())) {
                    added++;
                }
            }
            int removed = old.list().size() - (list.size() - added);
            if (added != 0 || removed != 0) {
                LOG.log(Level.INFO, "pool {0}: endpoints updated, {1} total, {2} added, {3} removed", name,
                        list.size(), added, removed);
            }
        }
    }

    /** The current snapshot, in update order. */
    public List<Endpoint> endpoints() {
        return snapshot.list();
    }

    /**
     * Chooses an endpoint and opens a lease on it, or returns null when no usable endpoint exists (including when
     * every usable one is in the avoid set). Non-blocking and thread-safe.
     */
    public Lease pick(PickContext context) {
        PickContext ctx = context == null ? PickContext.EMPTY : context;
        Snapshot s = snapshot;
        if (s.list().isEmpty()) {
            return null;
        }
        Eligibility eligibility = view;
        long now;
        if (clockFree && eligibility != null && eligibility.pristine() && !eligibility.expires
                && eligibility.version == healthVersion.get()) {
            // Everything usable, no deadline pending, no slow start: no decision below reads the clock.
            now = 0L;
        } else {
            now = time.nanoTime();
            eligibility = eligibility(s, now);
        }
        Endpoint endpoint = s.strategy().pick(ctx, eligibility, now);
        if (endpoint == null) {
            return null;
        }
        if (!s.counted()) {
            endpoint.acquire();
        }
        boolean trial = false;
        if (endpoint.passive.fails() != 0) {
            long t = time.nanoTime();
            trial = endpoint.passive.onPick(t);
            if (trial) {
                // nginx: this pick is the one trial request; the endpoint is skipped until it ends.
                LOG.log(Level.DEBUG, "pool {0}: trial request to endpoint {1} after fail_timeout", name,
                        endpoint.id());
                invalidate();
            } else if (!eligibility.panic() && s.list().size() > 1 && endpoint.passive.isBlocked(t)) {
                // Another event loop's trial request to this endpoint started after our health view was built.
                endpoint.release();
                Set<String> avoid = new HashSet<>(ctx.avoid());
                avoid.add(endpoint.id());
                return pick(ctx.avoiding(avoid));
            }
        }
        if (trackTotal) {
            totalInFlight.increment();
        }
        return new Lease(endpoint, trial);
    }

    /** Stops new requests to an endpoint; in-flight ones finish. False when the id is unknown. */
    public boolean drain(String endpointId) {
        return setDraining(endpointId, true);
    }

    public boolean undrain(String endpointId) {
        return setDraining(endpointId, false);
    }

    private boolean setDraining(String endpointId, boolean value) {
        Endpoint endpoint = snapshot.byId().get(endpointId);
        if (endpoint == null) {
            return false;
        }
        if (endpoint.setDraining(value)) {
            LOG.log(Level.INFO, "pool {0}: endpoint {1} {2}, {3} in flight", name, endpointId,
                    value ? "draining" : "no longer draining", endpoint.inFlight());
            invalidate();
        }
        return true;
    }

    /** Records one active health-check result (HAProxy rise/fall). Unknown ids are ignored. */
    public void recordProbe(String endpointId, boolean success) {
        Endpoint endpoint = snapshot.byId().get(endpointId);
        if (endpoint == null) {
            return;
        }
        long now = time.nanoTime();
        ActiveHealth.Transition transition = endpoint.active.record(success);
        if (transition == ActiveHealth.Transition.UP || transition == ActiveHealth.Transition.FIRST_UP) {
            // HAProxy: "the slowstart never applies when HAProxy starts"; an endpoint that was there from the start
            // and passes its first probe was never seen failed, so it takes its full share at once (in panic, a
            // ramp would have sent nearly everything to the endpoints still unproven).
            if (transition == ActiveHealth.Transition.UP || endpoint.joinedLate) {
                endpoint.startRamp(now);
            }
            LOG.log(Level.INFO, "pool {0}: endpoint {1} is UP after passing probes", name, endpointId);
            invalidate();
        } else if (transition == ActiveHealth.Transition.DOWN) {
            LOG.log(Level.WARNING, "pool {0}: endpoint {1} is DOWN after failing probes", name, endpointId);
            invalidate();
        }
        if (success && endpoint.outlier.uneject(now)) {
            // Envoy successful_active_health_check_uneject_host (default true)
            endpoint.startRamp(now);
            LOG.log(Level.INFO, "pool {0}: endpoint {1} un-ejected by a passing probe", name, endpointId);
            invalidate();
        }
    }

    /** Snapshot of the pool's state for the admin API and metrics. */
    public PoolState state() {
        long now = time.nanoTime();
        long wallNow = time.epochMillis();
        Snapshot s = snapshot;
        Eligibility eligibility = eligibility(s, now);
        boolean single = s.list().size() == 1;
        List<EndpointState> states = new ArrayList<>(s.list().size());
        for (Endpoint e : s.list()) {
            states.add(stateOf(e, now, wallNow, single));
        }
        return new PoolState(name, config.strategy().label(), eligibility.panic(), usableCount(s, now),
                s.list().size(), states);
    }

    /** The endpoint with this id in the current snapshot, or null: an O(1) lookup for per-endpoint meters. */
    public Endpoint endpoint(String id) {
        return snapshot.byId().get(id);
    }

    /**
     * Times the pool entered or left Envoy panic mode since it was created; each transition is logged once (entering
     * at WARNING with the usable/total numbers, leaving at INFO), however many picks happen in between.
     */
    public long panicTransitions() {
        return panicTransitions.get();
    }

    /** One endpoint's state without scanning the pool (Endpoint.state()). */
    EndpointState stateOf(Endpoint e) {
        return stateOf(e, time.nanoTime(), time.epochMillis(), snapshot.list().size() == 1);
    }

    private static EndpointState stateOf(Endpoint e, long now, long wallNow, boolean single) {
        boolean ejected = e.outlier.isEjected(now);
        String health;
        if (!e.active.isUp()) {
            health = "unhealthy";
        } else if (ejected) {
            health = "ejected";
        } else if (!single && e.passive.isBlocked(now)) {
            health = "failed";
        } else {
            health = "healthy";
        }
        Long ejectedUntil = ejected ? wallNow + (e.outlier.ejectedUntil() - now) / 1_000_000L : null;
        int effective = (int) (e.selectionWeight(now) / 1000);
        return new EndpointState(e.id(), e.host(), e.port(), e.spec().zone(), e.weight(), effective, e.inFlight(),
                Math.max(e.passive.fails(), e.outlier.consecutive5xx()), health, e.active.isUp(), e.isDraining(),
                ejectedUntil, e.outlier.ejectionCount());
    }

    // ---- internals ----

    int totalInFlight() {
        // The stripes are read one after another, so a completion counted in one stripe can be seen without the
        // pick counted in another: never report less than nothing.
        return (int) Math.max(0, totalInFlight.sum());
    }

    /** Called once per lease. */
    void complete(Endpoint endpoint, Outcome outcome) {
        release(endpoint);
        if (!outcome.isPassiveFailure() && endpoint.passive.onSuccess()) {
            // nginx frees the peer without NGX_PEER_FAILED for a success, a status it does not retry on (500) and a
            // client that went away; after a trial that forgets the failures.
            endpoint.startRamp(time.nanoTime());
            LOG.log(Level.INFO, "pool {0}: endpoint {1} passed its trial request after fail_timeout", name,
                    endpoint.id());
            invalidate();
        }
        if (outcome.isNeutral()) {
            return;
        }
        if (outcome == Outcome.SUCCESS) {
            // The per-request path: no clock read, no lock unless there is failure state to clear.
            endpoint.outlier.record(outcome, 0L);
            return;
        }
        long now = time.nanoTime();
        // nginx: "max_fails, fail_timeout and slow_start parameters are ignored" for a single-server group.
        if (outcome.isPassiveFailure() && snapshot.list().size() > 1) {
            if (endpoint.passive.onFailure(now)) {
                LOG.log(Level.WARNING, "pool {0}: endpoint {1} temporarily disabled after {2} failure(s) "
                        + "(max_fails {3}, fail_timeout {4})", name, endpoint.id(), endpoint.passive.fails(),
                        config.maxFails(), config.failTimeout());
            }
            invalidate();
        }
        if (endpoint.outlier.record(outcome, now)) {
            tryEject(endpoint, now);
        }
    }

    /** Undoes a pick's counting. */
    private void release(Endpoint endpoint) {
        endpoint.release();
        if (trackTotal) {
            totalInFlight.decrement();
        }
    }

    /** Called once per lease given back unused ({@link Lease#cancel}). */
    void cancel(Endpoint endpoint, boolean trial) {
        release(endpoint);
        if (trial) {
            endpoint.passive.rearmTrial();
            invalidate();
        }
    }

    private void tryEject(Endpoint endpoint, long now) {
        synchronized (writeLock) {
            Snapshot s = snapshot;
            int total = s.list().size();
            int ejected = 0;
            for (Endpoint e : s.list()) {
                if (e.outlier.isEjected(now)) {
                    ejected++;
                }
            }
            // Envoy: max_ejection_percent, but at least one host may be ejected; ours: at least one always stays.
            int share = (int) Math.floor(total * config.maxEjectionPercent() / 100.0);
            int allowed = Math.min(total - 1, Math.max(1, share));
            if (ejected >= allowed || s.byId().get(endpoint.id()) != endpoint) {
                LOG.log(Level.INFO, "pool {0}: endpoint {1} reached an outlier threshold but {2} of {3} endpoints "
                        + "are already ejected (max {4} %)", name, endpoint.id(), ejected, total,
                        config.maxEjectionPercent());
                return;
            }
            long until = endpoint.outlier.eject(now);
            endpoint.startRamp(until);
            invalidate();
            LOG.log(Level.WARNING, "pool {0}: endpoint {1} ejected for {2} ms (ejection #{3})", name, endpoint.id(),
                    (until - now) / 1_000_000L, endpoint.outlier.ejectionCount());
        }
    }

    void invalidate() {
        healthVersion.incrementAndGet();
        view = null;
    }

    private Eligibility eligibility(Snapshot s, long now) {
        Eligibility v = view;
        if (v != null && v.version == healthVersion.get() && (!v.expires || now - v.validUntil < 0)) {
            return v;
        }
        return recompute(s, now);
    }

    private Eligibility recompute(Snapshot s, long now) {
        int version = healthVersion.get();
        boolean single = s.list().size() == 1;
        int usable = 0;
        int candidates = 0;
        boolean expires = false;
        long validUntil = 0;
        boolean ramping = false;
        boolean recovering = false;
        int trialing = 0;
        for (Endpoint e : s.list()) {
            if (e.rampEnd(now) != Long.MIN_VALUE) {
                ramping = true;
                long end = e.rampEnd(now);
                if (!expires || end - validUntil < 0) {
                    validUntil = end;
                    expires = true;
                }
            }
            if (e.isDraining()) {
                continue;
            }
            candidates++;
            if (e.isHealthy(now, single)) {
                usable++;
                // Only usable endpoints climb back (round robin skips the others), so only they count here;
                // otherwise a drained, penalised endpoint would keep the view from ever settling.
                recovering |= effectiveWeights && e.effectiveWeight() < e.weight();
                continue;
            }
            if (!single && e.active.isUp() && !e.outlier.isEjected(now) && e.passive.trialRunning(now)) {
                trialing++;
            }
            // Time-based recoveries: the view must be rebuilt when they happen.
            long deadline = Long.MAX_VALUE;
            boolean timed = false;
            if (e.outlier.isEjected(now)) {
                deadline = e.outlier.ejectedUntil();
                timed = true;
            }
            if (!single && e.passive.isBlocked(now)) {
                long until = e.passive.blockedUntil();
                deadline = timed ? Math.max(deadline, until) : until;
                timed = true;
            }
            if (timed && e.active.isUp() && (!expires || deadline - validUntil < 0)) {
                validUntil = deadline;
                expires = true;
            }
        }
        // An endpoint whose trial request is out is skipped, but not known to be down: it counts towards the
        // threshold, so a trial never tips the pool into panic (which would spread over everything, itself included).
        // As a share, not threshold × candidates: 0.28 × 25 is 7.000000000000001 in binary, which would call 7 of 25
        // (exactly 28 %) a panic; 7 / 25 rounds to the same double as the literal 0.28, so the boundary is exact.
        boolean panic = candidates > 0 && (double) (usable + trialing) / candidates < config.panicThreshold();
        boolean pristine = !panic && usable == s.list().size() && !ramping && !recovering;
        Eligibility v = new Eligibility(this, panic, single, usable, candidates, validUntil, expires, version,
                pristine, recovering, ramping);
        if (snapshot == s && healthVersion.get() == version) {
            view = v;
            // Only a view that is still current may flip the logged state, so a stale concurrent rebuild cannot.
            notePanic(panic, usable, candidates);
        }
        return v;
    }

    private void notePanic(boolean panic, int usable, int candidates) {
        if (panicking.get() == panic || !panicking.compareAndSet(!panic, panic)) {
            return;
        }
        panicTransitions.incrementAndGet();
        if (panic) {
            LOG.log(Level.WARNING, "pool {0}: entered panic mode, only {1} of {2} endpoints usable (threshold {3}); "
                    + "spreading over all of them", name, usable, candidates, config.panicThreshold());
        } else {
            LOG.log(Level.INFO, "pool {0}: left panic mode, {1} of {2} endpoints usable (threshold {3})", name,
                    usable, candidates, config.panicThreshold());
        }
    }

    private static int usableCount(Snapshot s, long now) {
        boolean single = s.list().size() == 1;
        int usable = 0;
        for (Endpoint e : s.list()) {
            if (!e.isDraining() && e.isHealthy(now, single)) {
                usable++;
            }
        }
        return usable;
    }

    @Override
    public String toString() {
        return "UpstreamPool[" + name + ", " + config.strategy().label() + ", " + snapshot.list().size()
                + " endpoints]";
    }

    /** Ids in the current snapshot (tests and admin). */
    Set<String> ids() {
        return new HashSet<>(snapshot.byId().keySet());
    }
}
