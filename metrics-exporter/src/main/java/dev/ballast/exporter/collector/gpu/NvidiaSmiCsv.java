package dev.ballast.exporter.collector.gpu;

import dev.ballast.exporter.metrics.MetricFamily;
import dev.ballast.exporter.metrics.Sample;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code nvidia-smi --query-gpu=... --format=csv,noheader,nounits} into base-unit samples:
 * utilisation % → ratio, MiB → bytes, W, °C. Fields a GPU does not support ({@code [N/A]},
 * {@code [Not Supported]}) are left out rather than exported as zero.
 */
public final class NvidiaSmiCsv {

    /** The fields queried, in order. */
    public static final String QUERY = "index,uuid,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw";
    static final double MIB = 1024 * 1024;

    static final MetricFamily UTILIZATION = MetricFamily.gauge("ballast_gpu_utilization_ratio",
            "Fraction of the last sample period in which a kernel ran on the GPU (nvidia-smi utilization.gpu).", "gpu", "uuid", "gpu_model");
    static final MetricFamily MEMORY_USED = MetricFamily.gauge("ballast_gpu_memory_used_bytes",
            "GPU memory in use (nvidia-smi memory.used).", "gpu", "uuid", "gpu_model");
    static final MetricFamily MEMORY_TOTAL = MetricFamily.gauge("ballast_gpu_memory_total_bytes",
            "GPU memory installed (nvidia-smi memory.total).", "gpu", "uuid", "gpu_model");
    static final MetricFamily TEMPERATURE = MetricFamily.gauge("ballast_gpu_temperature_celsius",
            "GPU core temperature (nvidia-smi temperature.gpu).", "gpu", "uuid", "gpu_model");
    static final MetricFamily POWER = MetricFamily.gauge("ballast_gpu_power_draw_watts",
            "GPU power draw now (nvidia-smi power.draw).", "gpu", "uuid", "gpu_model");

    private NvidiaSmiCsv() {
    }

    public static List<Sample> parse(String csv) {
        List<Sample> out = new ArrayList<>();
        for (String line : csv.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",\\s*");
            if (f.length < 8) {
                throw new IllegalArgumentException("nvidia-smi line has " + f.length + " fields, expected 8: " + line);
            }
            String gpu = f[0].trim();
            String uuid = f[1].trim();
            String model = f[2].trim();
            add(out, UTILIZATION, f[3], 0.01, gpu, uuid, model);
            add(out, MEMORY_USED, f[4], MIB, gpu, uuid, model);
            add(out, MEMORY_TOTAL, f[5], MIB, gpu, uuid, model);
            add(out, TEMPERATURE, f[6], 1, gpu, uuid, model);
            add(out, POWER, f[7], 1, gpu, uuid, model);
        }
        return out;
    }

    private static void add(List<Sample> out, MetricFamily family, String raw, double scale, String... labels) {
        String value = raw.trim();
        if (value.isEmpty() || value.startsWith("[")) {
            return; // [N/A], [Not Supported], [Unknown Error]
        }
        out.add(family.sample(Double.parseDouble(value) * scale, labels));
    }
}
