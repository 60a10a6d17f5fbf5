package dev.ballast.lb;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One in-flight use of an endpoint (a request, or a whole SSE/WebSocket stream). complete() is idempotent, so every
 * close path (success, error, client abort, stream end) may call it and the in-flight count still drops exactly once:
 * the leak apache/apisix #12261's review found cannot happen here.
 */
public final class Lease {

    private static final VarHandle DONE;

    static {
        try {
            DONE = MethodHandles.lookup().findVarHandle(Lease.class, "done", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Endpoint endpoint;
    /** This pick is nginx's trial request to an endpoint whose fail_timeout has passed. */
    private final boolean trial;
    @SuppressWarnings("unused") // accessed through DONE
    private volatile int done;

    Lease(Endpoint endpoint, boolean trial) {
        this.endpoint = endpoint;
        this.trial = trial;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** Ends this use; only the first call counts. A null outcome counts as {@link Outcome#CLIENT_ABORT}. */
    public void complete(Outcome outcome) {
        if (!claim()) {
            return;
        }
        endpoint.pool().complete(endpoint, outcome == null ? Outcome.CLIENT_ABORT : outcome);
    }

    /**
     * Gives the lease back unused (the request never went to the endpoint, for example because the gateway found it
     * over its connection limit): the in-flight count drops, health learns nothing, and if this pick was the trial
     * request after fail_timeout, the next pick may be the trial instead. Counts as this lease's completion.
     */
    public void cancel() {
        if (!claim()) {
            return;
        }
        endpoint.pool().cancel(endpoint, trial);
    }

    /** True for the first of complete() and cancel() only. */
    private boolean claim() {
        return (int) DONE.getVolatile(this) == 0 && DONE.compareAndSet(this, 0, 1);
    }

    public boolean isCompleted() {
        return done != 0;
    }

    @Override
    public String toString() {
        return "Lease[" + endpoint.id() + (isCompleted() ? " completed]" : " open]");
    }
}
