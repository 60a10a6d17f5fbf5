package dev.ballast.gateway.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Duration;
import java.util.Map;

/** The raw configuration mapping built from plain properties, as Quarkus builds it at start-up. */
public final class GatewaySettingsTestSupport {

    private GatewaySettingsTestSupport() {
    }

    public static GatewayConfig config(Map<String, String> properties) {
        return new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withMapping(GatewayConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build()
                .getConfigMapping(GatewayConfig.class);
    }

    public static GatewaySettings settings(Map<String, String> properties) {
        return GatewaySettings.from(config(properties));
    }
}
