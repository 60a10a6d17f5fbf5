package dev.ballast.exporter.collector.gpu;

import dev.ballast.exporter.collector.CollectionException;
import dev.ballast.exporter.collector.CollectionTarget;
import dev.ballast.exporter.collector.Collector;
import dev.ballast.exporter.metrics.Sample;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * GPU utilisation, memory, temperature and power from {@code nvidia-smi --query-gpu} (CSV). When the
 * binary is absent the collector logs that GPU metrics are unavailable, once at start-up, and has no
 * target: nothing is exported, so no zero reads as an idle GPU.
 */
@ApplicationScoped
public class NvidiaSmiCollector implements Collector<NvidiaSmiCollector.GpuHost> {

    private static final Logger LOG = Logger.getLogger(NvidiaSmiCollector.class);

    public record GpuHost(String name, Path executable, Duration interval, Duration timeout) implements CollectionTarget {
    }

    private final List<GpuHost> targets;

    NvidiaSmiCollector(GpuConfig config) {
        if (!config.enabled()) {
            targets = List.of();
            return;
        }
        Optional<Path> executable = locate(config.command(), System.getenv().getOrDefault("PATH", ""));
        if (executable.isEmpty()) {
            LOG.infof("GPU metrics unavailable: '%s' not found (no NVIDIA driver here); the GPU collector exports nothing", config.command());
            targets = List.of();
        } else {
            targets = List.of(new GpuHost("local", executable.get(), config.interval(), config.timeout()));
        }
    }

    /** The executable for a command: a path as given, or the first match on PATH. */
    static Optional<Path> locate(String command, String path) {
        if (command.contains("/")) {
            Path p = Path.of(command);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return Optional.of(Path.of(dir, command));
            }
        }
        return Optional.empty();
    }

    @Override
    public String name() {
        return "gpu";
    }

    @Override
    public List<GpuHost> targets() {
        return targets;
    }

    @Override
    public Uni<List<Sample>> collect(GpuHost target) {
        return Uni.createFrom().item(() -> parse(run(target)))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static List<Sample> parse(String csv) {
        try {
            return NvidiaSmiCsv.parse(csv);
        } catch (IllegalArgumentException e) {
            throw new CollectionException(CollectionException.Reason.PARSE, e.getMessage(), e);
        }
    }

    private static String run(GpuHost target) {
        Path output = null;
        try {
            // output goes to a file so a hung nvidia-smi cannot block us past the timeout on a pipe read
            output = Files.createTempFile("ballast-nvidia-smi-", ".csv");
            Process process = new ProcessBuilder(target.executable().toString(), "--query-gpu=" + NvidiaSmiCsv.QUERY,
                    "--format=csv,noheader,nounits").redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(target.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new CollectionException(CollectionException.Reason.TIMEOUT, "nvidia-smi did not finish in " + target.timeout());
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new CollectionException(CollectionException.Reason.UNAVAILABLE,
                        "nvidia-smi exited " + process.exitValue() + ": " + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new CollectionException(CollectionException.Reason.UNAVAILABLE, "could not run nvidia-smi: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectionException(CollectionException.Reason.OTHER, "interrupted", e);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temp file left behind is harmless
                }
            }
        }
    }
}
