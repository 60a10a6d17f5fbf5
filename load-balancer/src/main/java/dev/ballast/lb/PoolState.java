package dev.ballast.lb;

import java.util.List;

/** Point-in-time view of a pool for the admin API and metrics. */
public record PoolState(String name, String strategy, boolean panic, int usable, int total,
        List<EndpointState> endpoints) {

    public PoolState {
        endpoints = List.copyOf(endpoints);
    }
}
