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
    @SuppressWarnings("unused") // accessed through DONE
    private volatile int done;

    Lease(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** Ends this use; only the first call counts. A null outcome counts as {@link Outcome#CLIENT_ABORT}. */
    public void complete(Outcome outcome) {
        if ((int) DONE.getVolatile(this) != 0 || !DONE.compareAndSet(this, 0, 1)) {
            return;
        }
        endpoint.pool().complete(endpoint, outcome == null ? Outcome.CLIENT_ABORT : outcome);
    }

    public boolean isCompleted() {
        return done != 0;
    }

    @Override
    public String toString() {
        return "Lease[" + endpoint.id() + (isCompleted() ? " completed]" : " open]");
    }
}
