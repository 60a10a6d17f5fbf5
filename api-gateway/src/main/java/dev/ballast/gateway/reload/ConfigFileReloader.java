package dev.ballast.gateway.reload;

import dev.ballast.gateway.GatewayRuntime;
import dev.ballast.gateway.config.GatewayConfig;
import dev.ballast.gateway.config.GatewayConfigFile;
import dev.ballast.gateway.config.GatewaySettings;
import dev.ballast.gateway.config.InvalidGatewayConfigException;
import dev.ballast.gateway.discovery.KubernetesEndpointSlices;
import dev.ballast.gateway.upstream.Upstreams;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Live reconfiguration from {@code ballast.gateway.config-file}: the file's content hash is checked every second
 * and a changed file is validated by the start-up rules and applied without a restart (routes swap at once, surviving
 * upstreams keep their pools); an invalid file is refused with a log line naming the key and the running
 * configuration stays. Polling the content, not watching the directory, because a Kubernetes ConfigMap volume
 * changes by swapping a {@code ..data} symlink that inotify watches on the file miss, and one small read per second
 * costs nothing; a change is seen within about a second.
 */
@Singleton
public class ConfigFileReloader {

    private static final Logger LOG = Logger.getLogger(ConfigFileReloader.class);
    static final long POLL_MILLIS = 1_000;

    private final GatewayConfig config;
    private final GatewayRuntime runtime;
    private final KubernetesEndpointSlices discovery;
    private final Vertx vertx;
    private final Counter succeeded;
    private final Counter failed;
    private volatile double lastSuccessSeconds;
    private byte[] lastHash;
    private long timer = -1;

    ConfigFileReloader(GatewayConfig config, GatewayRuntime runtime, KubernetesEndpointSlices discovery, Vertx vertx,
                       MeterRegistry registry) {
        this.config = config;
        this.runtime = runtime;
        this.discovery = discovery;
        this.vertx = vertx;
        this.succeeded = Counter.builder("ballast.gateway.config.reloads").tag("result", "success")
                .description("Changes of the configuration file applied").register(registry);
        this.failed = Counter.builder("ballast.gateway.config.reloads").tag("result", "failure")
                .description("Changes of the configuration file refused (the running configuration stayed)")
                .register(registry);
        Gauge.builder("ballast.gateway.config.last.reload.success.timestamp.seconds", this, r -> r.lastSuccessSeconds)
                .description("When the configuration file was last applied (start-up included), seconds since the "
                        + "epoch; 0 without a configuration file")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        if (config.configFilePath().isEmpty()) {
            return;
        }
        Path file = config.configFilePath().get();
        synchronized (this) {
            // Start-up already read and applied the file: what it applied is the baseline, not what the file holds
            // now (a change written since then is applied by the first check).
            lastHash = hash(runtime.configFileAtStart());
            lastSuccessSeconds = System.currentTimeMillis() / 1000.0;
        }
        LOG.infof("Routes and upstreams come from %s; changes are applied without a restart", file);
        timer = vertx.setPeriodic(POLL_MILLIS, id -> vertx.executeBlocking(() -> {
            check(file);
            return null;
        }, false));
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** Applies the file if its content changed since the last check; also releases retired upstreams once idle. */
    synchronized void check(Path file) {
        runtime.upstreams().sweepRetired();
        byte[] content = read(file);
        byte[] hash = hash(content);
        if (Arrays.equals(hash, lastHash)) {
            return;
        }
        lastHash = hash;
        if (content == null) {
            failed.increment();
            LOG.errorf("Configuration file %s cannot be read (removed?); the running configuration stays", file);
            return;
        }
        long started = System.nanoTime();
        try {
            GatewaySettings next = GatewaySettings.validate(GatewayConfigFile.parse(
                    GatewayConfigFile.decode(content, file.toString()), file.toString(), config));
            Upstreams.Change change = runtime.reconfigure(next);
            discovery.reconcile(next);
            succeeded.increment();
            lastSuccessSeconds = System.currentTimeMillis() / 1000.0;
            LOG.infof("Configuration file %s applied in %d ms: %d routes; upstreams added %s, updated %s, new "
                    + "connection settings %s, removed %s", file, (System.nanoTime() - started) / 1_000_000,
                    next.routes().size(), change.added(), change.updated(), change.replaced(), change.removed());
        } catch (InvalidGatewayConfigException e) {
            failed.increment();
            LOG.errorf("Configuration file %s refused, the running configuration stays: %s", file, e.getMessage());
        } catch (RuntimeException e) {
            failed.increment();
            LOG.errorf(e, "Configuration file %s could not be applied, the running configuration stays", file);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] hash(byte[] content) {
        if (content == null) {
            return new byte[0];
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
