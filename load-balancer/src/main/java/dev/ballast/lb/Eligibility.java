package dev.ballast.lb;

/**
 * Which endpoints a strategy may pick right now: the pool's cached health view (panic or not, usable count) plus
 * the request's avoid set. Envoy panic mode: below the threshold, health is disregarded and every non-draining
 * endpoint is a candidate. Immutable; the pool swaps in a new one when health changes or a deadline passes.
 */
public final class Eligibility {

    private final UpstreamPool pool;
    private final boolean panic;
    private final boolean single;
    private final int usable;
    private final int candidates;
    final long validUntil;
    final boolean expires;
    final int version;
    private final boolean pristine;
    private final boolean recovering;
    private final boolean ramping;

    Eligibility(UpstreamPool pool, boolean panic, boolean single, int usable, int candidates, long validUntil,
            boolean expires, int version, boolean pristine, boolean recovering, boolean ramping) {
        this.pool = pool;
        this.panic = panic;
        this.single = single;
        this.usable = usable;
        this.candidates = candidates;
        this.validUntil = validUntil;
        this.expires = expires;
        this.version = version;
        this.pristine = pristine;
        this.recovering = recovering;
        this.ramping = ramping;
    }

    /** True when the strategy may pick this endpoint for this request. */
    public boolean allows(Endpoint endpoint, PickContext context, long nowNanos) {
        if (endpoint.isDraining() || context.avoids(endpoint.id())) {
            return false;
        }
        // pristine: every endpoint was healthy when this view was built, and any change since replaced the view.
        return panic || pristine || endpoint.isHealthy(nowNanos, single);
    }

    /**
     * True when every endpoint is usable at full weight (healthy, not draining, not ramping, no failure penalty):
     * strategies may then skip per-endpoint checks, as long as the request avoids nothing. Fast path only.
     */
    public boolean pristine() {
        return pristine;
    }

    /** True when some endpoint's effective weight is below its weight (round robin is climbing it back). */
    public boolean recovering() {
        return recovering;
    }

    /** True when some endpoint is in its slow-start ramp (the view expires when the last ramp ends). */
    public boolean ramping() {
        return ramping;
    }

    /** Round robin saw every effective weight back at its weight: rebuild the view so the fast path returns. */
    public void weightsRecovered() {
        if (recovering) {
            pool.invalidate();
        }
    }

    public boolean panic() {
        return panic;
    }

    /** Endpoints a pick may land on, ignoring the avoid set: usable ones, or every non-draining one in panic. */
    public int candidateCount() {
        return panic ? candidates : usable;
    }

    /** Requests in flight across the whole pool (bounded-load hashing needs the average). */
    public int totalInFlight() {
        return pool.totalInFlight();
    }
}
