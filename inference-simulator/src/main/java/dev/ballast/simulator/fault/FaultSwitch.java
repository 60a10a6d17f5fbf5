package dev.ballast.simulator.fault;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * Holds the faults in force; switched at runtime by the admin endpoint or by tests through
 * {@code InferenceSimulator.faults()}. Safe to use from any thread: each request reads one snapshot.
 */
public final class FaultSwitch {

    private static final System.Logger LOG = System.getLogger(FaultSwitch.class.getName());

    private final AtomicReference<Faults> current = new AtomicReference<>(Faults.NONE);

    public Faults current() {
        return current.get();
    }

    public Faults set(Faults faults) {
        Objects.requireNonNull(faults, "faults");
        Faults previous = current.getAndSet(faults);
        if (!previous.equals(faults)) {
            LOG.log(System.Logger.Level.INFO, "faults switched to " + faults.toJson().encode());
        }
        return faults;
    }

    /** Applies {@code change} to the current faults, e.g. {@code update(f -> f.withHang(true))}. */
    public Faults update(UnaryOperator<Faults> change) {
        return set(change.apply(current()));
    }

    public Faults reset() {
        return set(Faults.NONE);
    }
}
