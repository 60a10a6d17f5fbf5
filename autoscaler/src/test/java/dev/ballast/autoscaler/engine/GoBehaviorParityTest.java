package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.engine.ScalingHistory.Recommendation;
import dev.ballast.autoscaler.engine.ScalingHistory.ScaleEvent;
import dev.ballast.autoscaler.policy.HPAScalingRules;
import dev.ballast.autoscaler.policy.HPAScalingRules.HPAScalingPolicy;
import dev.ballast.autoscaler.policy.HorizontalPodAutoscalerBehavior;
import dev.ballast.autoscaler.policy.ScalingPolicyType;
import dev.ballast.autoscaler.policy.SelectPolicy;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.ballast.autoscaler.engine.TestPods.NOW;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parity with the behavior tables of kubernetes/kubernetes pkg/controller/podautoscaler/horizontal_test.go
 * (TestScalingWithRules, TestConvertDesiredReplicasWithRules, TestNormalizeDesiredReplicas,
 * TestNormalizeDesiredReplicasWithBehavior, TestStoreScaleEvents,
 * TestCalculateScaleUpLimitWithScalingRules, TestCalculateScaleDownLimitWithBehaviors), one row per Go case with its
 * name, and of the same functions' tables in karmada-io/karmada pkg/controllers/federatedhpa (a copy of horizontal.go
 * whose tests are richer), marked "karmada:". Helpers written as Go writes them:
 * <ul>
 *   <li>rules {@code pods:podsPeriod:percent:percentPeriod} = generateScalingRules (a zero value leaves that policy
 *       out; select Max), {@code -} = nil, which GenerateHPAScaleUpRules/GenerateHPAScaleDownRules fill with the
 *       autoscaling/v2 defaults;</li>
 *   <li>events {@code uniform:1,5,9@120} = generateEventsUniformDistribution([]int{1,5,9}, 120): each event at the
 *       centre of its slice of the period (here 100 s, 60 s and 20 s ago); {@code 2@30} = change 2, 30 s ago.</li>
 * </ul>
 */
class GoBehaviorParityTest {

    @ParameterizedTest(name = "{0}")
    @DisplayName("horizontal_test.go TestScalingWithRules: convertDesiredReplicasWithBehaviorRate")
    @CsvSource(delimiter = '|', textBlock = """
            prenormalized desired replicas within range                          | -                 | -                 | 3   | 8    | -                | -                 | 5    | 7    | 7   | DesiredWithinRange
            prenormalized desired replicas < minReplicas                         | -                 | -                 | 2   | 8    | -                | -                 | 3    | 1    | 2   | TooFewReplicas
            prenormalized desired replicas within range when minReplicas is 0    | -                 | -                 | 0   | 10   | -                | -                 | 1    | 0    | 0   | DesiredWithinRange
            maxReplicas is the limit because maxReplicas < scaleUpLimit          | -                 | -                 | 1   | 10   | -                | -                 | 20   | 1000 | 10  | TooManyReplicas
            desired replica count is more than the maximum replica count         | -                 | -                 | 100 | 150  | -                | -                 | 100  | 1000 | 150 | TooManyReplicas
            scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies | 0:0:1:60 | -                | 1   | 2000 | -                | -                 | 3    | 1000 | 4   | ScaleUpLimit
            scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies (testThis: Go skips it) | - | 20:60:0:0 | 3 | 2000 | - | - | 1000 | 3 | 980 | ScaleDownLimit
            scaleUp with default behavior                                        | -                 | -                 | 1   | 1000 | -                | -                 | 10   | 50   | 20  | ScaleUpLimit
            scaleUp with pods policy larger than percent policy                  | 100:60:100:60     | -                 | 1   | 1000 | -                | -                 | 10   | 500  | 110 | ScaleUpLimit
            scaleUp with percent policy larger than pods policy                  | 2:60:100:60       | -                 | 1   | 1000 | -                | -                 | 10   | 500  | 20  | ScaleUpLimit
            scaleUp with spec MaxReplicas limitation with large pod policy       | 100:60:0:0        | -                 | 1   | 1000 | -                | -                 | 10   | 50   | 50  | DesiredWithinRange
            scaleUp with spec MaxReplicas limitation with large percent policy   | 10000:60:0:0      | -                 | 1   | 1000 | -                | -                 | 10   | 50   | 50  | DesiredWithinRange
            scaleUp with pod policy limitation                                   | 30:60:0:0         | -                 | 1   | 1000 | -                | -                 | 10   | 50   | 40  | ScaleUpLimit
            scaleUp with percent policy limitation                               | 0:0:200:60        | -                 | 1   | 1000 | -                | -                 | 10   | 50   | 30  | ScaleUpLimit
            scaleDown with percent policy larger than pod policy                 | -                 | 20:60:1:60        | 1   | 1000 | -                | -                 | 100  | 2    | 80  | ScaleDownLimit
            scaleDown with pod policy larger than percent policy                 | -                 | 2:60:1:60         | 1   | 1000 | -                | -                 | 100  | 2    | 98  | ScaleDownLimit
            scaleDown with spec MinReplicas=nil limitation with large pod policy | -                 | 100:60:0:0        | 1   | 1000 | -                | -                 | 10   | 0    | 1   | TooFewReplicas
            scaleDown with spec MinReplicas limitation with large pod policy     | -                 | 100:60:0:0        | 1   | 1000 | -                | -                 | 10   | 0    | 1   | TooFewReplicas
            scaleDown with spec MinReplicas limitation with large percent policy | -                 | 0:0:100:60        | 5   | 1000 | -                | -                 | 10   | 2    | 5   | TooFewReplicas
            scaleDown with pod policy limitation                                 | -                 | 5:60:0:0          | 1   | 1000 | -                | -                 | 10   | 2    | 5   | ScaleDownLimit
            scaleDown with percent policy limitation                             | -                 | 0:0:50:60         | 1   | 1000 | -                | -                 | 10   | 5    | 5   | DesiredWithinRange
            scaleUp with spec MaxReplicas limitation with large pod policy and events     | 300:60:0:0   | -            | 1   | 200  | uniform:1,5,9@120 | -                | 100  | 500  | 200 | TooManyReplicas
            scaleUp with spec MaxReplicas limitation with large percent policy and events | 0:0:10000:60 | -            | 1   | 200  | uniform:1,5,9@120 | -                | 100  | 500  | 200 | TooManyReplicas
            scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events | 5:120:0:0 | - | 1 | 1000 | uniform:1,5,9@120 | - | 100 | 500 | 100 | ScaleUpLimit
            scaleUp with pod policy and previous scale up events                 | 150:120:0:0       | -                 | 1   | 1000 | uniform:1,5,9@120 | -                | 100  | 500  | 235 | ScaleUpLimit
            scaleUp with percent policy and previous scale up events             | 0:0:200:120       | -                 | 1   | 1000 | uniform:1,5,9@120 | -                | 100  | 500  | 255 | ScaleUpLimit
            scaleDown with default policy and previous events                    | -                 | -                 | 1   | 1000 | -                | uniform:1,5,9@120 | 10   | 5    | 5   | DesiredWithinRange
            scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events | - | 115:120:0:0 | 1 | 1000 | - | uniform:1,5,9@120 | 100 | 0 | 1 | TooFewReplicas
            scaleDown with spec MinReplicas limitation with large pod policy and previous events | - | 130:120:0:0 | 5 | 1000 | - | uniform:1,5,9@120 | 100 | 0 | 5 | TooFewReplicas
            scaleDown with spec MinReplicas limitation with large percent policy and previous events | - | 0:0:100:120 | 5 | 1000 | - | uniform:1,5,9@120 | 100 | 2 | 5 | TooFewReplicas
            scaleDown with pod policy limitation and previous events             | -                 | 5:120:0:0         | 1   | 1000 | -                | uniform:1,5,9@120 | 100  | 2    | 100 | ScaleDownLimit
            scaleDown with percent policy limitation and previous events         | -                 | 0:0:50:120        | 1   | 1000 | -                | uniform:2,4,6@120 | 100  | 0    | 56  | ScaleDownLimit
            scaleDown with previous events preventing further scale down         | -                 | 0:0:10:120        | 1   | 1000 | -                | uniform:10,10,10@120 | 100 | 0  | 100 | ScaleDownLimit
            scaleDown with with previous events still allowing more scale down   | -                 | 0:0:1000:120      | 1   | 1000 | -                | uniform:10,10,10@120 | 10 | 5   | 5   | DesiredWithinRange
            check 'outdated' flag for events for one behavior for up             | 1000:60:0:0       | -                 | 1   | 1000 | uniform:8,12,9,11@120 | -            | 100  | 200  | 200 | DesiredWithinRange
            check that events were not marked 'outdated' for two different policies in the behavior for up | 1000:120:100:60 | - | 1 | 1000 | uniform:8,12,9,11@120 | - | 100 | 200 | 200 | DesiredWithinRange
            check that events were marked 'outdated' for two different policies in the behavior for up | 1000:30:100:60 | - | 1 | 1000 | uniform:8,12,9,11@120 | - | 100 | 200 | 200 | DesiredWithinRange
            check 'outdated' flag for events for one behavior for down           | -                 | 1000:60:0:0       | 1   | 1000 | -                | uniform:8,12,9,11@120 | 100 | 5 | 5  | DesiredWithinRange
            check that events were not marked 'outdated' for two different policies in the behavior for down | - | 1000:120:100:60 | 1 | 1000 | - | uniform:8,12,9,11@120 | 100 | 5 | 5 | DesiredWithinRange
            check that events were marked 'outdated' for two different policies in the behavior for down | - | 1000:30:100:60 | 1 | 1000 | - | uniform:8,12,9,11@120 | 100 | 5 | 5 | DesiredWithinRange
            """)
    void scalingWithRules(String goCase, String scaleUpRules, String scaleDownRules, int min, int max,
                          String scaleUpEvents, String scaleDownEvents, int current, int prenormalized,
                          int expectedReplicas, String expectedCondition) {
        HPAScalingRules up = generated(scaleUpRules, HorizontalPodAutoscalerBehavior.DEFAULT_SCALE_UP);
        HPAScalingRules down = generated(scaleDownRules, HorizontalPodAutoscalerBehavior.DEFAULT_SCALE_DOWN);

        BehaviorNormalizer.Limited limited = BehaviorNormalizer.convertWithBehaviorRate(current, prenormalized, min, max,
                up, down, events(scaleUpEvents), events(scaleDownEvents), NOW);

        assertThat(limited.replicas()).as("replicas").isEqualTo(expectedReplicas);
        assertThat(limited.reason()).as("ScalingLimited reason").isEqualTo(expectedCondition);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("horizontal_test.go TestConvertDesiredReplicasWithRules: the legacy path without behavior")
    @CsvSource(delimiter = '|', textBlock = """
            prenormalized desired replicas within range                  | 5  | 7    | 3 | 8    | 7  | DesiredWithinRange
            prenormalized desired replicas < minReplicas                 | 3  | 1    | 2 | 8    | 2  | TooFewReplicas
            prenormalized desired zeroed replicas within range           | 1  | 0    | 0 | 10   | 0  | DesiredWithinRange
            maxReplicas is the limit because maxReplicas < scaleUpLimit  | 20 | 1000 | 1 | 10   | 10 | TooManyReplicas
            scaleUpLimit is the limit because scaleUpLimit < maxReplicas (calculateScaleUpLimit(3)) | 3 | 1000 | 1 | 2000 | 6 | ScaleUpLimit
            """)
    void convertDesiredReplicasWithRules(String goCase, int current, int desired, int min, int max, int expected,
                                         String expectedCondition) {
        BehaviorNormalizer.Limited limited = BehaviorNormalizer.convertWithRules(current, desired, min, max);

        assertThat(limited.replicas()).as("replicas").isEqualTo(expected);
        assertThat(limited.reason()).as("condition").isEqualTo(expectedCondition);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("horizontal_test.go TestNormalizeDesiredReplicas: legacy stabilization over a 5-minute window")
    @CsvSource(delimiter = '|', textBlock = """
            empty log                          | -                         | 5 | 5 | 1
            stabilize                          | 4@120 5@60                | 3 | 5 | 3
            no stabilize                       | 1@120 2@60                | 3 | 3 | 3
            no stabilize - old recommendations | 10@600 9@540              | 3 | 3 | 2
            stabilize - old recommendations    | 10@600 4@60 5@120 9@540   | 3 | 5 | 4
            """)
    void normalizeDesiredReplicas(String goCase, String recommendations, int prenormalized, int expected,
                                  int expectedLogLength) {
        BehaviorNormalizer.Stabilized s = BehaviorNormalizer.stabilizeLegacy(prenormalized, Duration.ofMinutes(5),
                recommendations(recommendations), NOW);

        assertThat(s.replicas()).as("stabilized").isEqualTo(expected);
        assertThat(s.recommendations()).as("log length").hasSize(expectedLogLength);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("calculateScaleUpLimitWithScalingRules, as horizontal_test.go and karmada's table")
    @CsvSource(delimiter = ';', textBlock = """
            TestCalculateScaleUpLimitWithScalingRules (Min: Pods 2/60 vs Percent 50/60 from 1) ; 1  ; Min|Pods:2:60,Percent:50:60 ; -     ; 2
            karmada: No previous events                                                        ; 5  ; Max|Pods:4:60               ; -     ; 9
            karmada: With previous scale up event                                              ; 5  ; Max|Pods:4:60               ; 2@30  ; 7
            karmada: Disabled policy                                                           ; 5  ; Disabled|Pods:4:60          ; -     ; 5
            karmada: MinChange policy                                                          ; 5  ; Min|Pods:4:60,Pods:2:60     ; -     ; 7
            karmada: Percent scaling policy                                                    ; 10 ; Max|Percent:50:60           ; -     ; 15
            """)
    void scaleUpLimit(String goCase, int current, String rules, String upEvents, int expected) {
        int limit = BehaviorNormalizer.scaleUpLimit(current, events(upEvents), List.of(),
                BehaviorNormalizerTest.rules(rules, true), NOW);

        assertThat(limit).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @DisplayName("calculateScaleDownLimitWithBehaviors, as horizontal_test.go and karmada's table")
    @CsvSource(delimiter = ';', textBlock = """
            TestCalculateScaleDownLimitWithBehaviors (Min: Pods 2/60 vs Percent 50/60 from 5) ; 5   ; Min|Pods:2:60,Percent:50:60 ; -    ; 3
            karmada: No previous events                                                       ; 10  ; Max|Percent:20:60           ; -    ; 8
            karmada: With previous scale down event (int32 truncation of 11 x 0.8)            ; 10  ; Max|Percent:20:60           ; 1@30 ; 8
            karmada: Multiple policies                                                        ; 100 ; Max|Percent:10:60,Pods:5:60 ; -    ; 90
            karmada: Disabled policy                                                          ; 10  ; Disabled|Percent:20:60      ; -    ; 10
            karmada: MinChange policy                                                         ; 100 ; Min|Percent:10:60,Pods:15:60 ; -   ; 90
            """)
    void scaleDownLimit(String goCase, int current, String rules, String downEvents, int expected) {
        int limit = BehaviorNormalizer.scaleDownLimit(current, List.of(), events(downEvents),
                BehaviorNormalizerTest.rules(rules, false), NOW);

        assertThat(limit).isEqualTo(expected);
    }

    /** Windows in seconds (0 where Go's table leaves them unset); recommendations as {@code replicas@secondsAgo}. */
    @ParameterizedTest(name = "{0}")
    @DisplayName("horizontal_test.go TestNormalizeDesiredReplicasWithBehavior: stabilizeRecommendationWithBehaviors")
    @CsvSource(delimiter = '|', textBlock = """
            empty recommendations for scaling down                                | -                       | 100 | 5   | 0   | 0   | 5   | 5
            simple scale down stabilization                                       | 4@120 5@60              | 100 | 3   | 0   | 180 | 5   | 4 5 3
            simple scale up stabilization                                         | 4@120 5@60              | 1   | 7   | 300 | 0   | 4   | 4 5 7
            no scale down stabilization                                           | 1@120 2@60              | 100 | 3   | 300 | 0   | 3   | 1 2 3
            no scale up stabilization                                             | 4@120 5@60              | 1   | 3   | 0   | 300 | 3   | 4 5 3
            no scale down stabilization, reuse recommendation element             | 10@600 9@540            | 100 | 3   | 0   | 0   | 3   | 10 3
            no scale up stabilization, reuse recommendation element               | 10@600 9@540            | 1   | 100 | 0   | 0   | 100 | 10 100
            scale down stabilization, reuse one of obsolete recommendation element | 10@600 4@60 5@120 9@540 | 100 | 3   | 0   | 180 | 5   | 10 4 5 3
            scale up stabilization, reuse one of obsolete recommendation element  | 10@6000 6@60 5@120 9@180 | 1  | 100 | 300 | 0   | 5   | 100 6 5 9
            """)
    void normalizeDesiredReplicasWithBehavior(String goCase, String recommendations, int current, int prenormalized,
                                              int upWindow, int downWindow, int expected, String expectedStored) {
        BehaviorNormalizer.Stabilized s = BehaviorNormalizer.stabilizeWithBehaviors(current, prenormalized, upWindow,
                downWindow, recommendations(recommendations), NOW);

        assertThat(s.replicas()).as("stabilized").isEqualTo(expected);
        assertThat(s.recommendations()).extracting(Recommendation::replicas).as("stored recommendations")
                .containsExactly(java.util.Arrays.stream(expectedStored.split(" ")).map(Integer::valueOf)
                        .toArray(Integer[]::new));
    }

    /**
     * Rows with a behavior (the legacy rows without one store nothing, which DecisionEngineTest covers). Go checks
     * getReplicasChangePerPeriod(60, previous) first, then storeScaleEvent(behavior, 10, 10 ± change), for both
     * directions; Go's "outdated" flag is implied here by the event's age.
     */
    @ParameterizedTest(name = "{0}")
    @DisplayName("horizontal_test.go TestStoreScaleEvents: getReplicasChangePerPeriod and storeScaleEvent")
    @CsvSource(delimiter = '|', textBlock = """
            empty entries with two-policy-behavior                  | 10:60:100:60 | -                        | 0  | 5
            one outdated entry to be replaced with behavior         | 10:60:100:60 | 7@61                     | 0  | 5
            one actual entry to be not touched with behavior        | 10:60:100:60 | 7@58                     | 7  | 7 5
            two entries, one of them to be replaced                 | 10:60:0:0    | 7@61 6@59                | 6  | 5 6
            replace one entry, use policies with different periods  | 10:60:100:30 | 8@29 6@59 7@61 9@61      | 14 | 8 6 7 5
            two entries, both actual                                | 10:120:100:30 | 7@58 6@59               | 13 | 7 6 5
            """)
    void storeScaleEvents(String goCase, String rules, String previous, int expectedChange, String expectedStored) {
        HPAScalingRules behavior = generated(rules, HorizontalPodAutoscalerBehavior.DEFAULT_SCALE_UP);
        List<ScaleEvent> prev = events(previous);
        Integer[] expected = java.util.Arrays.stream(expectedStored.split(" ")).map(Integer::valueOf).toArray(Integer[]::new);

        assertThat(BehaviorNormalizer.changeInPeriod(60, prev, NOW)).as("change in the last 60 s").isEqualTo(expectedChange);
        List<List<ScaleEvent>> up = BehaviorNormalizer.storeScaleEvent(behavior, behavior, 10, 15, prev, List.of(), NOW);
        List<List<ScaleEvent>> down = BehaviorNormalizer.storeScaleEvent(behavior, behavior, 10, 5, List.of(), prev, NOW);

        assertThat(up.get(0)).extracting(ScaleEvent::replicaChange).as("scale-up events").containsExactly(expected);
        assertThat(down.get(1)).extracting(ScaleEvent::replicaChange).as("scale-down events").containsExactly(expected);
    }

    /** generateScalingRules(pods, podsPeriod, percent, percentPeriod, 0) with Max; "-" = nil, defaulted. */
    private static HPAScalingRules generated(String text, HPAScalingRules defaults) {
        if (text.equals("-")) {
            return defaults;
        }
        String[] f = text.split(":");
        List<HPAScalingPolicy> policies = new ArrayList<>();
        if (Integer.parseInt(f[0]) != 0) {
            policies.add(new HPAScalingPolicy(ScalingPolicyType.PODS, Integer.parseInt(f[0]), Integer.parseInt(f[1])));
        }
        if (Integer.parseInt(f[2]) != 0) {
            policies.add(new HPAScalingPolicy(ScalingPolicyType.PERCENT, Integer.parseInt(f[2]), Integer.parseInt(f[3])));
        }
        return new HPAScalingRules(0, SelectPolicy.MAX, policies, null);
    }

    /** "uniform:1,5,9@120" (generateEventsUniformDistribution) or BehaviorNormalizerTest's "change@age ..." or "-". */
    private static List<ScaleEvent> events(String text) {
        if (!text.startsWith("uniform:")) {
            return BehaviorNormalizerTest.events(text);
        }
        String[] f = text.substring("uniform:".length()).split("@");
        String[] changes = f[0].split(",");
        double period = Double.parseDouble(f[1]);
        double segment = period / changes.length;
        List<ScaleEvent> out = new ArrayList<>();
        for (int i = 0; i < changes.length; i++) {
            // time.Duration(float) truncates before it is multiplied by time.Second
            long secondsAgo = (long) (period - segment * (i + 1) + segment / 2);
            out.add(new ScaleEvent(Integer.parseInt(changes[i]), NOW.minusSeconds(secondsAgo)));
        }
        return out;
    }

    private static List<Recommendation> recommendations(String text) {
        return BehaviorNormalizerTest.recommendations(text);
    }
}
