package dev.ballast.autoscaler.kube;

import dev.ballast.autoscaler.runtime.TestClock;
import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;
import java.util.Set;

/**
 * The loop on Kubernetes, ticked by hand on a {@link dev.ballast.autoscaler.runtime.TestClock}: the scale subresource
 * actuator, no leader election (this replica acts) and no client-side retries. The API request timeout is a
 * generous 5 s, since it bounds every call the tests make and one slow answer on a loaded machine must not become a
 * FailedGetScale; {@link ShortRequestTimeout} is for the test about a hung API server.
 */
public class KubernetesTicks implements QuarkusTestProfile {

    private final String requestTimeout;

    public KubernetesTicks() {
        this("PT5S");
    }

    protected KubernetesTicks(String requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    /**
     * A 2 s request timeout, so a hung API server shows quickly (the test's stalls for 30 s). It bounds the app's own
     * calls too, the policy informer's LIST at startup among them: one slow answer on a loaded machine must not fail
     * them.
     */
    public static class ShortRequestTimeout extends KubernetesTicks {
        public ShortRequestTimeout() {
            super("PT2S");
        }
    }

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(TestClock.class);
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("ballast.autoscaler.runtime.scheduler-enabled", "false",
                "ballast.autoscaler.kubernetes.enabled", "true",
                "ballast.autoscaler.leader-election.enabled", "false",
                "quarkus.kubernetes-client.request-timeout", requestTimeout,
                // the fabric8 client would retry an injected 5xx on its own; tests see each answer as sent
                "quarkus.kubernetes-client.request-retry-backoff-limit", "0");
    }
}
