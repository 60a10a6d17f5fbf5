package dev.ballast.autoscaler.source;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.kube.ApiServer;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU and memory of a target's pods from the resource metrics API ({@code metrics.k8s.io/v1beta1} PodMetrics, served
 * by metrics-server), read as the HPA's resource metrics client does: one list per namespace and selector, an empty
 * list or an error is missing data, never zero. A fetch waits at most runtime.fetch-timeout. Only asked with
 * {@code ballast.autoscaler.kubernetes.enabled=true}.
 */
@ApplicationScoped
public class KubernetesMetricsSource implements MetricSource {

    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|m|s|us|µs|ns)");

    private final ApiServer api;
    private final Duration fetchTimeout;

    KubernetesMetricsSource(ApiServer api, AutoscalerConfig config) {
        this.api = api;
        this.fetchTimeout = config.runtime().fetchTimeout();
    }

    @Override
    public String name() {
        return "kubernetes-metrics";
    }

    @Override
    public boolean accepts(MetricQuery query) {
        return query instanceof MetricQuery.KubernetesPodMetrics;
    }

    @Override
    public SourceValue fetch(MetricQuery query) throws MissingDataException {
        MetricQuery.KubernetesPodMetrics q = (MetricQuery.KubernetesPodMetrics) query;
        String path = "/apis/metrics.k8s.io/v1beta1/namespaces/" + q.namespace() + "/pods?labelSelector="
                + URLEncoder.encode(q.selector(), StandardCharsets.UTF_8);
        ApiServer.Reply reply;
        try {
            reply = api.get(path, fetchTimeout);
        } catch (ApiServer.Unreachable e) {
            throw new MissingDataException("unable to fetch metrics from resource metrics API: " + e.getMessage());
        }
        if (!reply.ok()) {
            throw new MissingDataException("unable to fetch metrics from resource metrics API: " + reply.describe());
        }
        Map<String, PodUsage> usage = new LinkedHashMap<>();
        for (JsonNode item : reply.json().path("items")) {
            usage.put(item.path("metadata").path("name").asText(), podUsage(item));
        }
        if (usage.isEmpty()) {
            throw new MissingDataException("no metrics returned from resource metrics API");
        }
        return SourceValue.podUsage(usage);
    }

    /** getPodMetrics: a pod's usage of a resource is the sum over its containers, absent if any container lacks it. */
    static PodUsage podUsage(JsonNode item) {
        Map<String, Map<String, Long>> containers = new LinkedHashMap<>();
        for (JsonNode c : item.path("containers")) {
            containers.put(c.path("name").asText(), PodUsage.quantities(c.path("usage")));
        }
        return new PodUsage(PodUsage.time(item.path("timestamp")), windowSeconds(item.path("window").asText("")),
                PodUsage.sumWhereAllHave(containers.values()), containers);
    }

    /** A Go duration ("30s", "1m0s", "10.5s") in whole seconds; 0 when absent or unreadable. */
    static long windowSeconds(String text) {
        Matcher m = GO_DURATION.matcher(text);
        double seconds = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return 0;
            }
            end = m.end();
            double v = Double.parseDouble(m.group(1));
            seconds += switch (m.group(2)) {
                case "h" -> v * 3600;
                case "m" -> v * 60;
                case "s" -> v;
                case "ms" -> v / 1e3;
                case "us", "µs" -> v / 1e6;
                default -> v / 1e9;
            };
        }
        return end == text.length() ? (long) seconds : 0;
    }
}
