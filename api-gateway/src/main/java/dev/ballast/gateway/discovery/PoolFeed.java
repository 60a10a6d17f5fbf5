package dev.ballast.gateway.discovery;

import dev.ballast.gateway.discovery.SliceEndpoints.Discovered;
import dev.ballast.gateway.discovery.SliceEndpoints.State;
import dev.ballast.lb.Endpoint;
import dev.ballast.lb.EndpointSpec;
import dev.ballast.lb.UpstreamPool;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies discovered endpoints to one upstream's pool: ready ones take traffic, terminating and not-ready ones that
 * the pool already knows are drained (in-flight requests finish, no new ones; live state kept in case they come
 * back), unknown not-ready ones are not added, and endpoints missing from every slice leave the pool. It undrains
 * only what it drained itself, so an endpoint drained through the admin API stays drained.
 */
final class PoolFeed {

    private UpstreamPool pool;
    private final Set<String> drainedHere = new HashSet<>();

    /** Counts of what the pool holds after an update, for logs and tests. */
    record Applied(int ready, int draining, int removed) {
    }

    synchronized Applied apply(UpstreamPool target, Map<String, Discovered> discovered) {
        if (target != pool) {
            // A reload gave the upstream a new pool: nothing in it was drained by us.
            pool = target;
            drainedHere.clear();
        }
        Set<String> known = new HashSet<>();
        for (Endpoint endpoint : target.endpoints()) {
            known.add(endpoint.id());
        }
        // Drain before the update so no pick can land on an endpoint that stopped being ready.
        for (Discovered d : discovered.values()) {
            String id = d.spec().id();
            if (d.state() != State.READY && known.contains(id)) {
                Endpoint endpoint = target.endpoint(id);
                if (endpoint != null && !endpoint.isDraining()) {
                    target.drain(id);
                    drainedHere.add(id);
                }
            }
        }
        List<EndpointSpec> next = new ArrayList<>();
        int ready = 0;
        for (Discovered d : discovered.values()) {
            if (d.state() == State.READY) {
                next.add(d.spec());
                ready++;
            } else if (known.contains(d.spec().id())) {
                next.add(d.spec());
            }
        }
        Set<String> kept = new HashSet<>();
        next.forEach(spec -> kept.add(spec.id()));
        known.removeAll(kept);
        int removed = known.size();
        target.update(next);
        for (Discovered d : discovered.values()) {
            String id = d.spec().id();
            if (d.state() == State.READY && drainedHere.remove(id)) {
                target.undrain(id);
            }
        }
        drainedHere.retainAll(discovered.keySet());
        return new Applied(ready, next.size() - ready, removed);
    }
}
