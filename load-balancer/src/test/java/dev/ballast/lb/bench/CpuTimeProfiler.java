package dev.ballast.lb.bench;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * JMH profiler: CPU time the benchmark JVM used per operation in each iteration (all its threads: benchmark, GC,
 * JIT), next to JMH's wall-clock score. On a shared machine a thread that waits for a core still counts in the
 * wall-clock ns/op but not here, so this separates what a pick costs from how busy the box was. Normalised by all
 * operations of the iteration, as JMH's GC profiler normalises allocation.
 * Use: {@code -prof dev.ballast.lb.bench.CpuTimeProfiler}.
 */
public final class CpuTimeProfiler implements InternalProfiler {

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long startCpu;

    @Override
    public String getDescription() {
        return "process CPU time per operation (ns/op), immune to time spent waiting for a core";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        startCpu = os.getProcessCpuTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        long cpu = os.getProcessCpuTime() - startCpu;
        long ops = result.getMetadata().getAllOps();
        double perOp = ops == 0 ? Double.NaN : cpu / (double) ops;
        return List.of(new ScalarResult("cpu", perOp, "ns/op", AggregationPolicy.AVG));
    }
}
