package dev.ballast.gateway.discovery;

import dev.ballast.testing.LoopbackPorts;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The fabric8 mock API server (CRUD mode) behind a TCP link the test can cut. Stopping the mock server leaves its
 * open watch connections alive, which a real outage does not: a crashed API server or a network partition drops
 * them (or they time out), and the client must notice, retry and re-list. Cutting the link does exactly that: every
 * open connection is closed and new ones are refused until the link is restored. The gateway talks through the link;
 * the test's own client talks to the mock server directly.
 */
public class CuttableApiServer implements QuarkusTestResourceLifecycleManager {

    /** Marks a {@link CuttableApiServer} field of the test to receive the running server. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Inject {
    }

    private KubernetesServer server;
    private NamespacedKubernetesClient client;
    private Vertx vertx;
    private NetServer link;
    private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;

    @Override
    public Map<String, String> start() {
        server = new KubernetesServer(false, true, InetAddress.getLoopbackAddress(), LoopbackPorts.free(), List.of());
        server.before();
        client = server.getClient();
        int apiPort = server.getKubernetesMockServer().getPort();
        vertx = Vertx.vertx();
        var upstream = vertx.createNetClient();
        link = vertx.createNetServer().connectHandler(socket -> {
            if (cut) {
                socket.close();
                return;
            }
            socket.pause();
            // Tracked at once, so a cut() while the link to the mock server is being made closes this socket too.
            open.add(socket);
            upstream.connect(apiPort, "127.0.0.1").onSuccess(back -> {
                if (cut) {
                    socket.close();
                    back.close();
                    return;
                }
                open.add(back);
                socket.handler(back::write);
                back.handler(socket::write);
                socket.closeHandler(v -> back.close());
                back.closeHandler(v -> socket.close());
                socket.resume();
            }).onFailure(e -> socket.close());
        });
        await(link.listen(0, "127.0.0.1"));
        return Map.of(
                "quarkus.kubernetes-client.api-server-url", "http://127.0.0.1:" + link.actualPort(),
                "quarkus.kubernetes-client.namespace", "test",
                "quarkus.kubernetes-client.trust-certs", "true",
                "quarkus.kubernetes-client.devservices.enabled", "false");
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(this,
                new TestInjector.AnnotatedAndMatchesType(Inject.class, CuttableApiServer.class));
    }

    /** A client straight to the mock server, in namespace "test". */
    public NamespacedKubernetesClient client() {
        return client.inNamespace("test");
    }

    /** The API server becomes unreachable: open connections drop, new ones are refused. */
    public void cut() {
        cut = true;
        open.forEach(NetSocket::close);
        open.clear();
    }

    public void restore() {
        cut = false;
    }

    @Override
    public void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.after();
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    private static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("API server link failed", e);
        }
    }
}
