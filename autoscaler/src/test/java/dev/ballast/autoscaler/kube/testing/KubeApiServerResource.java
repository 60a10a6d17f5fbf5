package dev.ballast.autoscaler.kube.testing;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.quarkus.test.kubernetes.client.AbstractKubernetesTestResource;

import java.lang.annotation.Annotation;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Quarkus test resource for {@link KubeApiServer}: the application's KubernetesClient talks to it. Used in place of
 * {@code @WithKubernetesTestServer}, whose KubernetesServer builds its CRUD dispatcher in a final method and so cannot
 * be given the subresource rules; this extends the same AbstractKubernetesTestResource, so the client configuration
 * (system properties, namespace "test", trust-certs, no kubeconfig) is the one Quarkus documents.
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(value = KubeApiServerResource.class, restrictToAnnotatedClass = true)
 * class MyTest { @KubeApiServerResource.Inject KubeApiServer api; }
 * }</pre>
 */
public class KubeApiServerResource extends AbstractKubernetesTestResource<KubeApiServer, NamespacedKubernetesClient> {

    /** Marks a {@link KubeApiServer} field of the test to receive the running server. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface Inject {
    }

    @Override
    protected KubeApiServer createServer() {
        return KubeApiServer.start();
    }

    @Override
    protected NamespacedKubernetesClient getClient() {
        return server.client();
    }

    @Override
    protected Class<?> getInjectedClass() {
        return KubeApiServer.class;
    }

    @Override
    protected Class<? extends Annotation> getInjectionAnnotation() {
        return Inject.class;
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
