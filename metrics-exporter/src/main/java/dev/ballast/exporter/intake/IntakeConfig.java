package dev.ballast.exporter.intake;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** Limits and access control of {@code POST /v1/events}. */
@ConfigMapping(prefix = "ballast.exporter.intake")
public interface IntakeConfig {

    /** Bodies larger than this are refused with 413. */
    @WithDefault("1048576")
    int maxBodyBytes();

    /** Batches with more events than this are refused with 413. */
    @WithDefault("10000")
    int maxEvents();

    /** When set, requests must carry {@code Authorization: Bearer <token>} (401 otherwise). */
    Optional<String> token();
}
