package dev.ballast.gateway.discovery;

import dev.ballast.gateway.config.GatewaySettings;

import java.util.Map;

/**
 * A source of upstream endpoints other than static configuration (one interface per plug-in family, as KEDA's
 * scalers): it follows the upstreams that name it and feeds their pools as endpoints come and go.
 */
public interface EndpointDiscovery {

    /** Follow exactly the upstreams of {@code settings} that this source serves; stop following the others. */
    void reconcile(GatewaySettings settings);

    /** Per followed upstream: whether its view is current (false while the source is unreachable). */
    Map<String, Boolean> synced();

    void close();
}
