package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.engine.ScalingHistory.Recommendation;
import dev.ballast.autoscaler.engine.ScalingHistory.ScaleEvent;
import dev.ballast.autoscaler.policy.HPAScalingRules;
import dev.ballast.autoscaler.policy.HPAScalingRules.HPAScalingPolicy;
import dev.ballast.autoscaler.policy.HorizontalPodAutoscalerBehavior;
import dev.ballast.autoscaler.policy.ScalingPolicyType;
import dev.ballast.autoscaler.policy.SelectPolicy;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.ballast.autoscaler.engine.TestPods.NOW;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * horizontal.go's behavior rules as tables: stabilization windows, Pods/Percent policies over scale events in their
 * periods, selectPolicy, clamping, and the legacy path used when a spec has no behavior. B1 and S1 are the worked
 * examples of the research notes; other rows were derived by hand from §1.5.
 */
class BehaviorNormalizerTest {

    /** "default" or "Max|Pods:4:15,Percent:100:15" (select policy, then type:value:period). */
    static HPAScalingRules rules(String text, boolean up) {
        if (text.equals("default")) {
            return up ? HorizontalPodAutoscalerBehavior.DEFAULT_SCALE_UP : HorizontalPodAutoscalerBehavior.DEFAULT_SCALE_DOWN;
        }
        String[] parts = text.split("\\|");
        List<HPAScalingPolicy> policies = new ArrayList<>();
        for (String p : parts[1].split(",")) {
            String[] f = p.split(":");
            policies.add(new HPAScalingPolicy(ScalingPolicyType.valueOf(f[0].toUpperCase()), Integer.parseInt(f[1]),
                    Integer.parseInt(f[2])));
        }
        return new HPAScalingRules(0, SelectPolicy.valueOf(parts[0].toUpperCase()), policies, null);
    }

    /** "change@age change@age" → events aged in seconds before NOW; "-" for none. */
    static List<ScaleEvent> events(String text) {
        List<ScaleEvent> out = new ArrayList<>();
        if (!text.isBlank() && !text.equals("-")) {
            for (String e : text.trim().split("\\s+")) {
                String[] f = e.split("@");
                out.add(new ScaleEvent(Integer.parseInt(f[0]), NOW.minusSeconds(Long.parseLong(f[1]))));
            }
        }
        return out;
    }

    static List<Recommendation> recommendations(String text) {
        List<Recommendation> out = new ArrayList<>();
        for (ScaleEvent e : events(text)) {
            out.add(new Recommendation(e.replicaChange(), e.timestamp()));
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("convertDesiredReplicasWithBehaviorRate")
    @CsvSource(delimiter = ';', textBlock = """
            B1 desired within range                       ; 5  ; 7   ; 3 ; 8   ; default ; default ; -      ; -       ; 7  ; DesiredWithinRange
            default scale up: max(+4 pods, +100%)         ; 1  ; 100 ; 1 ; 100 ; default ; default ; -      ; -       ; 5  ; ScaleUpLimit
            default scale up from 10: +100% wins          ; 10 ; 100 ; 1 ; 100 ; default ; default ; -      ; -       ; 20 ; ScaleUpLimit
            selectPolicy Min takes the smaller change     ; 1  ; 100 ; 1 ; 100 ; Min|Pods:4:15,Percent:100:15 ; default ; - ; - ; 2 ; ScaleUpLimit
            selectPolicy Disabled holds on scale up       ; 3  ; 10  ; 1 ; 100 ; Disabled|Pods:4:15 ; default ; -   ; -       ; 3  ; ScaleUpLimit
            scale-up events in the period reduce the room ; 10 ; 100 ; 1 ; 100 ; default ; default ; 4@10   ; -       ; 12 ; ScaleUpLimit
            an event exactly one period old falls out     ; 10 ; 100 ; 1 ; 100 ; default ; default ; 4@15   ; -       ; 20 ; ScaleUpLimit
            scale-down events in the period add room      ; 10 ; 100 ; 1 ; 100 ; Max|Pods:2:60 ; default ; -     ; 3@30    ; 15 ; ScaleUpLimit
            used up scale-up budget holds at current      ; 10 ; 100 ; 1 ; 100 ; Max|Pods:2:60 ; default ; 5@30  ; -       ; 10 ; ScaleUpLimit
            max replicas below the rate limit             ; 5  ; 20  ; 1 ; 8   ; default ; default ; -      ; -       ; 8  ; TooManyReplicas
            default scale down: Percent 100 reaches min   ; 10 ; 1   ; 1 ; 100 ; default ; default ; -      ; -       ; 1  ; DesiredWithinRange
            min replicas stop the scale down              ; 10 ; 1   ; 5 ; 100 ; default ; default ; -      ; -       ; 5  ; TooFewReplicas
            Pods policy limits scale down                 ; 10 ; 1   ; 1 ; 100 ; default ; Max|Pods:2:60 ; - ; -      ; 8  ; ScaleDownLimit
            Percent policy truncates on scale down        ; 5  ; 1   ; 1 ; 100 ; default ; Max|Percent:50:60 ; - ; -  ; 2  ; ScaleDownLimit
            Max picks the biggest scale-down              ; 10 ; 1   ; 1 ; 100 ; default ; Max|Pods:2:60,Percent:50:60 ; - ; - ; 5 ; ScaleDownLimit
            Min picks the smallest scale-down             ; 10 ; 1   ; 1 ; 100 ; default ; Min|Pods:2:60,Percent:50:60 ; - ; - ; 8 ; ScaleDownLimit
            scale-down events count against the period    ; 8  ; 1   ; 1 ; 100 ; default ; Max|Pods:2:60 ; -   ; 2@30    ; 8  ; ScaleDownLimit
            scale-up events in the period lower the start ; 10 ; 1   ; 1 ; 100 ; default ; Max|Pods:2:60 ; 4@30 ; -      ; 4  ; ScaleDownLimit
            selectPolicy Disabled holds on scale down     ; 10 ; 1   ; 1 ; 100 ; default ; Disabled|Pods:2:60 ; - ; -    ; 10 ; ScaleDownLimit
            """)
    void behaviorRate(String scenario, int current, int desired, int min, int max, String up, String down, String upEvents,
                      String downEvents, int expected, String reason) {
        BehaviorNormalizer.Limited result = BehaviorNormalizer.convertWithBehaviorRate(current, desired, min, max,
                rules(up, true), rules(down, false), events(upEvents), events(downEvents), NOW);

        assertThat(result.replicas()).isEqualTo(expected);
        assertThat(result.reason()).isEqualTo(reason);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("stabilizeRecommendationWithBehaviors")
    @CsvSource(delimiter = ';', textBlock = """
            S1 empty recommendations scaling down        ; 100 ; 5  ; 0   ; 0   ; -           ; 5  ; 5
            highest recent recommendation holds          ; 5   ; 3  ; 0   ; 300 ; 5@100 4@200 ; 5  ; 5 4 3
            old recommendation is replaced, not counted  ; 5   ; 3  ; 0   ; 60  ; 5@100 4@30  ; 4  ; 3 4
            lowest recent recommendation holds scale up  ; 2   ; 10 ; 120 ; 0   ; 4@60 8@30   ; 4  ; 4 8 10
            up window excludes a recommendation at its edge ; 2 ; 10 ; 60 ; 0  ; 4@60 8@30   ; 8  ; 4 8 10
            """)
    void stabilization(String scenario, int current, int desired, int upWindow, int downWindow, String recs, int expected,
                       String expectedStored) {
        BehaviorNormalizer.Stabilized s = BehaviorNormalizer.stabilizeWithBehaviors(current, desired, upWindow, downWindow,
                recommendations(recs), NOW);

        assertThat(s.replicas()).isEqualTo(expected);
        assertThat(s.recommendations()).extracting(Recommendation::replicas)
                .containsExactlyElementsOf(java.util.Arrays.stream(expectedStored.split(" ")).map(Integer::valueOf).toList());
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("legacy path (no behavior): max over 5 minutes, max(2x, 4) scale-up cap, min clamp")
    @CsvSource(delimiter = ';', textBlock = """
            recent higher recommendation holds           ; 3 ; 2  ; 1 ; 20 ; 5@299 ; 5  ; DesiredWithinRange
            recommendation at exactly 5 minutes counts   ; 3 ; 2  ; 1 ; 20 ; 5@300 ; 5  ; DesiredWithinRange
            older recommendation does not count          ; 3 ; 2  ; 1 ; 20 ; 5@301 ; 2  ; DesiredWithinRange
            scale up capped at twice current             ; 3 ; 10 ; 1 ; 20 ; -     ; 6  ; ScaleUpLimit
            scale up capped at 4 from one replica        ; 1 ; 10 ; 1 ; 20 ; -     ; 4  ; ScaleUpLimit
            max below the cap                            ; 3 ; 7  ; 1 ; 5  ; -     ; 5  ; TooManyReplicas
            min clamps                                   ; 3 ; 0  ; 2 ; 5  ; -     ; 2  ; TooFewReplicas
            """)
    void legacy(String scenario, int current, int desired, int min, int max, String recs, int expected, String reason) {
        BehaviorNormalizer.Stabilized s = BehaviorNormalizer.stabilizeLegacy(desired, Duration.ofMinutes(5),
                recommendations(recs), NOW);
        BehaviorNormalizer.Limited l = BehaviorNormalizer.convertWithRules(current, s.replicas(), min, max);

        assertThat(l.replicas()).isEqualTo(expected);
        assertThat(l.reason()).isEqualTo(reason);
    }

    @Test
    @DisplayName("a stored scale event reuses the last slot older than the longest period")
    void storeScaleEvent() {
        List<ScaleEvent> up = events("1@100 2@90 3@5");

        List<List<ScaleEvent>> stored = BehaviorNormalizer.storeScaleEvent(rules("Max|Pods:4:60", true),
                rules("default", false), 5, 9, up, List.of(), NOW);

        assertThat(stored.get(0)).extracting(ScaleEvent::replicaChange).containsExactly(1, 4, 3);
        assertThat(stored.get(1)).isEmpty();
    }

    @Test
    @DisplayName("a scale-down event records the absolute change")
    void storeScaleDownEvent() {
        List<List<ScaleEvent>> stored = BehaviorNormalizer.storeScaleEvent(rules("default", true), rules("default", false),
                9, 5, List.of(), List.of(), NOW);

        assertThat(stored.get(1)).containsExactly(new ScaleEvent(4, NOW));
    }
}
