package dev.ballast.autoscaler.runtime;

import dev.ballast.autoscaler.registry.PolicyKey;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** The timestamp of every decision, by policy, as the ticker stamped it (tests read the real spacing of ticks). */
@Singleton
public class DecisionTimes {

    private final Map<PolicyKey, List<Instant>> times = new ConcurrentHashMap<>();

    void decided(@Observes PolicyDecided e) {
        times.computeIfAbsent(e.key(), k -> new CopyOnWriteArrayList<>()).add(e.decision().timestamp());
    }

    /** The decisions of a policy so far, oldest first (a live view). */
    public List<Instant> of(PolicyKey key) {
        return times.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>());
    }
}
