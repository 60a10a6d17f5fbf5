package dev.ballast.exporter.collector.gpu;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The nvidia-smi GPU collector. */
@ConfigMapping(prefix = "ballast.exporter.gpu")
public interface GpuConfig {

    /** Look for nvidia-smi at start-up; when it is absent the collector says so once and exports nothing. */
    @WithDefault("true")
    boolean enabled();

    /** The nvidia-smi executable: a path, or a name looked up on PATH. */
    @WithDefault("nvidia-smi")
    String command();

    @WithDefault("15s")
    Duration interval();

    @WithDefault("5s")
    Duration timeout();
}
