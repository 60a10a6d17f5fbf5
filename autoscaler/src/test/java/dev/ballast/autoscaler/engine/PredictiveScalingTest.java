package dev.ballast.autoscaler.engine;

import dev.ballast.autoscaler.engine.ScalingHistory.MetricSeries;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.ballast.autoscaler.engine.Specs.external;
import static dev.ballast.autoscaler.engine.Specs.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Predictive scaling on a synthetic daily-seasonal load: a queue that idles at 100 and peaks at 1000 every day at
 * 14:00 (a Gaussian bump, sigma 30 min). Target 100 per replica, so the peak needs 10 replicas. The test replays
 * the day in 5-minute cycles the way the runtime would, feeding each decision's history into the next.
 */
class PredictiveScalingTest {

    static final int STEP = 300;
    static final int DAY = 86_400;
    static final Instant PEAK = Instant.parse("2026-01-04T14:00:00Z");
    static final Instant START = Instant.parse("2026-01-04T12:00:00Z");

    /** Queue depth in milli-units at a time: 100 + 900 * exp(-d^2 / 2 sigma^2), d = distance to 14:00 that day. */
    static double load(Instant t) {
        long secondOfDay = Math.floorMod(t.getEpochSecond(), DAY);
        double d = secondOfDay - 14 * 3600;
        double sigma = 1800;
        return (100 + 900 * Math.exp(-(d * d) / (2 * sigma * sigma))) * 1000;
    }

    /** Three days of history at 5-minute steps, ending one step before {@code end}. */
    static MetricSeries threeDays(Instant end) {
        int n = 3 * DAY / STEP;
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = load(end.minusSeconds((long) (n - i) * STEP));
        }
        return new MetricSeries(STEP, values, end.minusSeconds(STEP));
    }

    static ScalingPolicySpec policy(String mode, String method) {
        return spec(1, 20, external("queue", "100"), """
                "behavior": {},
                "ballast": {"predictive": {"mode": "%s", "method": "%s", "horizonSeconds": 3600}}""".formatted(mode, method));
    }

    /** Replays START..PEAK in 5-minute cycles; returns the decision of each cycle. */
    static List<Decision> replay(ScalingPolicySpec spec) {
        DecisionEngine engine = new DecisionEngine();
        ScalingHistory history = new ScalingHistory(List.of(), List.of(), List.of(), null, 0, null,
                Map.of("queue", threeDays(START)), START.minusSeconds(3 * DAY));
        int replicas = (int) Math.ceil(load(START) / 100_000);
        List<Decision> decisions = new java.util.ArrayList<>();
        for (Instant now = START; !now.isAfter(PEAK); now = now.plusSeconds(STEP)) {
            List<PodState> pods = new java.util.ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                pods.add(TestPods.pod("p" + i, "ready", Map.of(), Map.of(), Map.of()));
            }
            Observation obs = Observation.of(replicas, pods, Map.of("queue", MetricReading.of((long) load(now))));
            ScalingHistory withSample = new ScalingHistory(history.recommendations(), history.scaleUpEvents(),
                    history.scaleDownEvents(), history.lastActiveTime(), history.consecutiveFailures(), history.burstUntil(),
                    DecisionEngine.appendSamples(history.series(), Map.of("queue", load(now)), now, STEP, 7 * DAY / STEP),
                    history.firstSeen());
            Decision d = engine.decide(new DecisionInput(spec, obs, withSample, now, null, null));
            decisions.add(d);
            history = d.history();
            replicas = d.desiredReplicas();
        }
        return decisions;
    }

    @Test
    @DisplayName("Holt-Winters reproduces a noiseless daily season")
    void holtWintersFollowsTheSeason() {
        MetricSeries series = threeDays(START);

        double[] ahead = HoltWinters.forecast(series.values(), DAY / STEP, 25, 0.5, 0.05, 0.5);

        // the last sample is at 11:55, so step h lands at 11:55 + h * 5 min
        assertThat(ahead[0]).isCloseTo(load(START), within(1.0));
        assertThat(ahead[24]).isCloseTo(1_000_000, within(1.0));
    }

    @Test
    @DisplayName("Holt-Winters needs two seasons; the linear trend extrapolates a ramp")
    void linear() {
        assertThat(HoltWinters.forecast(new double[100], 288, 12, 0.5, 0.05, 0.5)).isNull();

        double[] ahead = LinearTrend.forecast(new double[] {10, 20, 30, 40}, 4, 2);

        assertThat(ahead).containsExactly(new double[] {50, 60}, within(1e-9));
    }

    @Test
    @DisplayName("forecast-and-scale reaches the 10 replicas the peak needs before the peak arrives")
    void forecastAndScaleLeadsThePeak() {
        List<Decision> decisions = replay(policy("forecast-and-scale", "holt-winters"));

        Decision hourBefore = decisions.get(12);
        Decision quarterBefore = decisions.get(decisions.size() - 4);
        assertThat(hourBefore.timestamp()).isEqualTo(PEAK.minusSeconds(3600));
        assertThat(hourBefore.forecast().replicas()).isEqualTo(10);
        assertThat(hourBefore.condition(Condition.PREDICTIVE).reason()).isEqualTo("ForecastRaisedFloor");
        assertThat(quarterBefore.timestamp()).isEqualTo(PEAK.minusSeconds(900));
        assertThat(quarterBefore.desiredReplicas()).isGreaterThanOrEqualTo(10);
        assertThat((int) Math.ceil(load(quarterBefore.timestamp()) / 100_000)).as("reactive need 15 min before").isLessThan(10);
    }

    @Test
    @DisplayName("forecast-only publishes the forecast and acts on nothing: the reactive policy lags the peak")
    void forecastOnlyActsOnNothing() {
        List<Decision> decisions = replay(policy("forecast-only", "holt-winters"));

        Decision quarterBefore = decisions.get(decisions.size() - 4);
        assertThat(quarterBefore.forecast().replicas()).isEqualTo(10);
        assertThat(quarterBefore.forecast().applied()).isFalse();
        assertThat(quarterBefore.condition(Condition.PREDICTIVE).reason()).isEqualTo("ForecastOnly");
        assertThat(quarterBefore.desiredReplicas()).isLessThan(10);
    }

    @Test
    @DisplayName("a forecast never scales in by itself: a low forecast leaves the reactive recommendation")
    void neverScalesIn() {
        ScalingPolicySpec spec = policy("forecast-and-scale", "linear");
        double[] falling = {900_000, 800_000, 700_000, 600_000, 500_000};
        ScalingHistory history = new ScalingHistory(List.of(), List.of(), List.of(), null, 0, null,
                Map.of("queue", new MetricSeries(STEP, falling, START)), START.minusSeconds(DAY));
        List<PodState> pods = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            pods.add(TestPods.pod("p" + i, "ready", Map.of(), Map.of(), Map.of()));
        }

        Decision d = new DecisionEngine().decide(new DecisionInput(spec,
                Observation.of(5, pods, Map.of("queue", MetricReading.of(500_000))), history, START, null, null));

        assertThat(d.forecast().replicas()).isLessThan(5);
        assertThat(d.desiredReplicas()).isEqualTo(5);
        assertThat(d.condition(Condition.PREDICTIVE).reason()).isEqualTo("ForecastBelowReactive");
    }
}
