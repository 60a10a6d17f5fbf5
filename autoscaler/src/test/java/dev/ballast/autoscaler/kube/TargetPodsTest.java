package dev.ballast.autoscaler.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.engine.PodPhase;
import dev.ballast.autoscaler.engine.PodState;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A Pod read as the HPA reads it: groupPods' fields and calculateRequests' sums. */
class TargetPodsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static PodState pod(String json) throws Exception {
        return TargetPods.fromPod(JSON.readTree(json));
    }

    @Test
    @DisplayName("phase, Ready condition and its transition time, start time, deletion")
    void statusFields() throws Exception {
        PodState p = pod("""
                {"metadata":{"name":"web-1","deletionTimestamp":"2026-01-01T00:05:00Z"},
                 "spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"250m","memory":"128Mi"}}}]},
                 "status":{"phase":"Running","startTime":"2026-01-01T00:00:00Z",
                  "conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True","lastTransitionTime":"2026-01-01T00:01:00Z"}]}}""");

        assertThat(p.name()).isEqualTo("web-1");
        assertThat(p.phase()).isEqualTo(PodPhase.RUNNING);
        assertThat(p.ready()).isTrue();
        assertThat(p.readyTransitionTime()).isEqualTo(Instant.parse("2026-01-01T00:01:00Z"));
        assertThat(p.startTime()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(p.deleting()).isTrue();
        assertThat(p.requestsMilli()).containsExactlyInAnyOrderEntriesOf(Map.of("cpu", 250L, "memory", 128L * 1024 * 1024 * 1000));
    }

    @ParameterizedTest(name = "Ready={0} -> {1}")
    @CsvSource(nullValues = "none", value = {"True, true", "False, false", "Unknown, false", "none, none"})
    @DisplayName("only Ready=True is ready; no Ready condition is unknown (null)")
    void readiness(String status, Boolean expected) throws Exception {
        String conditions = status == null ? "[]" : "[{\"type\":\"Ready\",\"status\":\"" + status + "\"}]";

        PodState p = pod("{\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":\"Pending\",\"conditions\":" + conditions + "}}");

        assertThat(p.ready()).isEqualTo(expected);
        assertThat(p.phase()).isEqualTo(PodPhase.PENDING);
    }

    @Test
    @DisplayName("requests sum regular containers and restartable init containers, not ordinary init containers")
    void sidecarsCount() throws Exception {
        PodState p = pod("""
                {"metadata":{"name":"p"},"spec":{
                  "initContainers":[{"name":"setup","resources":{"requests":{"cpu":"1"}}},
                                    {"name":"proxy","restartPolicy":"Always","resources":{"requests":{"cpu":"100m"}}}],
                  "containers":[{"name":"a","resources":{"requests":{"cpu":"200m"}}},{"name":"b","resources":{"requests":{"cpu":"300m"}}}]}}""");

        assertThat(p.requestsMilli()).containsEntry("cpu", 600L);
        assertThat(p.containers()).containsOnlyKeys("a", "b", "proxy");
        assertThat(p.containers().get("proxy").requestsMilli()).containsEntry("cpu", 100L);
    }

    @Test
    @DisplayName("a resource one counted container does not request is left out (the engine reports the missing request)")
    void missingRequest() throws Exception {
        PodState p = pod("""
                {"metadata":{"name":"p"},"spec":{"containers":[
                  {"name":"a","resources":{"requests":{"cpu":"200m","memory":"1Gi"}}},{"name":"b","resources":{"requests":{"cpu":"300m"}}}]}}""");

        assertThat(p.requestsMilli()).containsOnlyKeys("cpu");
        assertThat(p.containers().get("a").requestsMilli()).containsKey("memory");
    }

    @Test
    @DisplayName("pod-level requests, when set, stand for the whole pod (PodLevelResources)")
    void podLevelRequests() throws Exception {
        PodState p = pod("""
                {"metadata":{"name":"p"},"spec":{"resources":{"requests":{"cpu":"2"}},
                  "containers":[{"name":"a","resources":{"requests":{"cpu":"200m"}}},{"name":"b"}]}}""");

        assertThat(p.requestsMilli()).containsEntry("cpu", 2000L);
        assertThat(p.containers().get("a").requestsMilli()).containsEntry("cpu", 200L);
    }
}
