package dev.ballast.autoscaler.kube.testing;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.function.Predicate;

/**
 * A Kubernetes API server for tests: the fabric8 mock in CRUD mode with the scale and status subresources of a real
 * one (see {@link SubresourceDispatcher}), a log of every request and injectable failures. Use it alone
 * ({@link #start()}) or in a {@code @QuarkusTest} through {@link KubeApiServerResource}.
 *
 * <p>Built-in scale: Deployments, StatefulSets, ReplicaSets. Built-in status: those and ScalingPolicies. A CRD created
 * through the server adds the subresources it declares; {@link #scaleSubresource} adds them without a CRD.
 */
public final class KubeApiServer implements AutoCloseable {

    private final KubernetesMockServer mock;
    private final SubresourceDispatcher dispatcher;
    private final NamespacedKubernetesClient client;

    private KubeApiServer(KubernetesMockServer mock, SubresourceDispatcher dispatcher) {
        this.mock = mock;
        this.dispatcher = dispatcher;
        this.client = mock.createClient();
    }

    /** Starts a server on a free loopback port; its client uses namespace "test". */
    public static KubeApiServer start() {
        SubresourceDispatcher dispatcher = new SubresourceDispatcher(new KubernetesCrudDispatcher(List.of()));
        KubernetesMockServer mock = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        mock.init(InetAddress.getLoopbackAddress(), 0);
        return new KubeApiServer(mock, dispatcher);
    }

    /** A client of this server (namespace "test"), for arranging and inspecting objects. */
    public NamespacedKubernetesClient client() {
        return client;
    }

    /** The base URL, e.g. {@code http://127.0.0.1:40123/}. */
    public String url() {
        return client.getConfiguration().getMasterUrl();
    }

    /** Declares a scale subresource on a custom resource, as a CRD's {@code subresources.scale} does. */
    public void scaleSubresource(String group, String plural, String specReplicasPath, String statusReplicasPath, String labelSelectorPath) {
        dispatcher.scaleSubresource(group, plural, ScaleSubresource.forCustomResource(specReplicasPath, statusReplicasPath, labelSelectorPath));
        dispatcher.statusSubresource(group, plural);
    }

    /** Every request answered so far, oldest first (requests this server's own client made included). */
    public List<RecordedCall> calls() {
        return dispatcher.calls();
    }

    /** The requests matching a condition, oldest first. */
    public List<RecordedCall> calls(Predicate<RecordedCall> which) {
        return dispatcher.calls().stream().filter(which).toList();
    }

    /** The latest write whose path ends with the suffix (e.g. "/deployments/web/scale"), or null. */
    public RecordedCall lastWrite(String pathSuffix) {
        List<RecordedCall> writes = calls(c -> c.write() && c.path().endsWith(pathSuffix));
        return writes.isEmpty() ? null : writes.get(writes.size() - 1);
    }

    public void clearCalls() {
        dispatcher.clearCalls();
    }

    /**
     * The next {@code times} requests with this method ("*" for any) whose path contains a match of the regex get a
     * Status error with this code instead of their answer.
     */
    public void failNext(String method, String pathRegex, int code, int times) {
        dispatcher.fail(method, pathRegex, code, null, times);
    }

    /** As {@link #failNext}, but the error comes only after the delay (a hung API server, for client timeouts). */
    public void delayNext(String method, String pathRegex, Duration delay, int times) {
        dispatcher.fail(method, pathRegex, 504, delay, times);
    }

    public void clearFaults() {
        dispatcher.clearFaults();
    }

    @Override
    public void close() {
        client.close();
        mock.destroy();
    }
}
