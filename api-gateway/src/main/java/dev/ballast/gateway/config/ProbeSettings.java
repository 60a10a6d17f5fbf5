package dev.ballast.gateway.config;

import java.util.Set;

/** Active health probe of an upstream's endpoints: GET {@code path} every interval (plus jitter), within timeout. */
public record ProbeSettings(String path, long intervalMillis, long timeoutMillis, double jitter,
                           Set<Integer> expectedStatuses) {

    public ProbeSettings {
        expectedStatuses = Set.copyOf(expectedStatuses);
    }
}
