package dev.ballast.autoscaler.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.engine.Decision;
import dev.ballast.autoscaler.engine.DecisionEngine;
import dev.ballast.autoscaler.engine.DecisionInput;
import dev.ballast.autoscaler.engine.MetricReading;
import dev.ballast.autoscaler.engine.Observation;
import dev.ballast.autoscaler.engine.PodPhase;
import dev.ballast.autoscaler.engine.PodState;
import dev.ballast.autoscaler.engine.ScalingHistory;
import dev.ballast.autoscaler.policy.PolicyValidator;
import dev.ballast.autoscaler.policy.ScalingPolicySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One full decision: a policy with three metrics (CPU utilization, a Pods metric, an External queue), 100 pods,
 * behavior with stabilization and policies over a realistic history. Target: under 20 µs.
 * An anchor (a 100-pod sum) in the same run shows how noisy the machine is.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 15, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecisionBenchmark {

    static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    private final DecisionEngine engine = new DecisionEngine();
    private DecisionInput input;
    private long[] anchor;

    @Setup
    public void setUp() throws Exception {
        ScalingPolicySpec spec = PolicyValidator.validateAndDefault(new ObjectMapper().findAndRegisterModules().readValue("""
                {"scaleTargetRef": {"kind": "Deployment", "name": "vllm"}, "minReplicas": 2, "maxReplicas": 300,
                 "metrics": [
                   {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
                   {"type": "Pods", "pods": {"metric": {"name": "requests_running"}, "target": {"type": "AverageValue", "averageValue": "8"}}},
                   {"type": "External", "external": {"metric": {"name": "queue_depth"}, "target": {"type": "AverageValue", "averageValue": "20"}}}],
                 "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}}""", ScalingPolicySpec.class), "spec");
        List<PodState> pods = new ArrayList<>();
        anchor = new long[100];
        for (int i = 0; i < 100; i++) {
            PodPhase phase = i % 25 == 0 ? PodPhase.PENDING : PodPhase.RUNNING;
            Instant start = NOW.minusSeconds(3600 + i);
            pods.add(new PodState("vllm-" + i, phase, i % 10 != 3, false, start, start.plusSeconds(20), NOW, 30,
                    Map.of("cpu", 2000L, "memory", 8L << 30),
                    i % 17 == 0 ? Map.of() : Map.of("cpu", 1000L + 13L * i),
                    Map.of("requests_running", 6000L + 50L * i), null));
            anchor[i] = 1000L + 13L * i;
        }
        List<ScalingHistory.Recommendation> recs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            recs.add(new ScalingHistory.Recommendation(95 + i % 7, NOW.minusSeconds(15L * i + 5)));
        }
        ScalingHistory history = new ScalingHistory(recs,
                List.of(new ScalingHistory.ScaleEvent(4, NOW.minusSeconds(10)), new ScalingHistory.ScaleEvent(6, NOW.minusSeconds(100))),
                List.of(new ScalingHistory.ScaleEvent(2, NOW.minusSeconds(400))), null, 0, null, Map.of(), NOW.minusSeconds(86_400));
        Observation obs = new Observation(100, 100, pods, Map.of("queue_depth", MetricReading.of(2_500_000)), Map.of(), null, Map.of());
        input = new DecisionInput(spec, obs, history, NOW, null, null);
        // measure the full path: all three metrics must produce proposals
        Decision d = engine.decide(input);
        if (d.metrics().size() != 3 || d.metrics().stream().anyMatch(m -> m.error() != null)) {
            throw new IllegalStateException("benchmark input does not exercise every metric: " + d.metrics());
        }
    }

    @Benchmark
    public Decision decide() {
        return engine.decide(input);
    }

    /** Anchor: summing 100 longs, to see the machine's noise floor in the same run. */
    @Benchmark
    public long anchorSum() {
        long s = 0;
        for (long v : anchor) {
            s += v;
        }
        return s;
    }
}
