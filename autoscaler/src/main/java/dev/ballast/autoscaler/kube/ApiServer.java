package dev.ballast.autoscaler.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The raw API server calls of the actuator and the resource-metrics source, over the fabric8 client's HTTP client
 * (its credentials, TLS and user agent). Every call is bounded by {@code quarkus.kubernetes-client.request-timeout};
 * an unreachable or silent server is a {@link Unreachable}, never a hang. The client is only created on first use,
 * so with Kubernetes off nothing is built and nothing is contacted.
 */
@ApplicationScoped
public class ApiServer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<KubernetesClient> clients;
    private volatile KubernetesClient client;

    @jakarta.inject.Inject
    ApiServer(Instance<KubernetesClient> clients) {
        this(clients::get);
    }

    /** Over a client of one's own (tests, tools); it is asked for on first use. */
    public ApiServer(Supplier<KubernetesClient> client) {
        this.clients = client;
    }

    /** An answer: the HTTP status and the body (a metav1.Status on errors). */
    public record Reply(int code, String body) {

        public boolean ok() {
            return code >= 200 && code < 300;
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body == null || body.isEmpty() ? "{}" : body);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("the API server answered " + code + " with a body that is not JSON: "
                        + abbreviate(body), e);
            }
        }

        /** "404 NotFound: deployments.apps \"web\" not found" from a metav1.Status body, else the code and body. */
        public String describe() {
            try {
                JsonNode s = JSON.readTree(body);
                if ("Status".equals(s.path("kind").asText())) {
                    return code + " " + s.path("reason").asText() + ": " + s.path("message").asText();
                }
            } catch (java.io.IOException | RuntimeException e) {
                // not a Status: fall through to the raw body
            }
            return code + (body == null || body.isEmpty() ? "" : ": " + abbreviate(body));
        }
    }

    /** The call could not be made or got no answer in time. */
    public static class Unreachable extends Exception {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    public Reply get(String path) throws Unreachable {
        return send("GET", path, null, null, timeoutMillis());
    }

    /** A GET bounded by the shorter of the request timeout and {@code limit} (a metric fetch's own deadline). */
    public Reply get(String path, java.time.Duration limit) throws Unreachable {
        return send("GET", path, null, null, Math.min(timeoutMillis(), Math.max(1, limit.toMillis())));
    }

    public Reply put(String path, String body) throws Unreachable {
        return send("PUT", path, "application/json", body, timeoutMillis());
    }

    /** The request timeout of every call, in milliseconds. */
    public long timeoutMillis() {
        int configured = client().getConfiguration().getRequestTimeout();
        return configured > 0 ? configured : 10_000;
    }

    Reply send(String method, String path, String contentType, String body, long timeout) throws Unreachable {
        KubernetesClient c = client();
        HttpClient http = c.getHttpClient();
        String base = c.getConfiguration().getMasterUrl();
        URI uri = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
        HttpRequest.Builder request = http.newHttpRequestBuilder().uri(uri).timeout(timeout, TimeUnit.MILLISECONDS)
                .header("Accept", "application/json");
        switch (method) {
            case "GET" -> { }
            case "PUT" -> request.put(contentType, body);
            default -> throw new IllegalArgumentException("unsupported method " + method);
        }
        java.util.concurrent.CompletableFuture<HttpResponse<String>> answer = http.sendAsync(request.build(), String.class);
        try {
            // the request timeout bounds each attempt; the extra second bounds the client's own retries as well
            HttpResponse<String> r = answer.get(timeout + 1_000, TimeUnit.MILLISECONDS);
            return new Reply(r.code(), r.body());
        } catch (TimeoutException e) {
            answer.cancel(true);
            // the fabric8 client retries refused connections with backoff, so an unreachable server ends here too
            throw new Unreachable(method + " " + path + ": no answer from the API server at " + base + " within "
                    + timeout + " ms (unreachable or not answering)", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new Unreachable(method + " " + path + ": no answer from the API server at " + base + " ("
                    + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()) + ")", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable(method + " " + path + ": interrupted", e);
        } catch (RuntimeException e) {
            throw new Unreachable(method + " " + path + ": no answer from the API server at " + base + " (" + e + ")", e);
        }
    }

    private KubernetesClient client() {
        KubernetesClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = clients.get();
                }
                c = client;
            }
        }
        return c;
    }

    static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= 300 ? s : s.substring(0, 300) + "…";
    }
}
