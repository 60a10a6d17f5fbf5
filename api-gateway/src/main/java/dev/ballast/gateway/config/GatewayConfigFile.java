package dev.ballast.gateway.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.source.yaml.YamlConfigSource;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Routes and upstreams from a YAML file (a mounted ConfigMap) written in the same schema as the
 * {@code ballast.gateway.routes}/{@code upstreams} keys; every other key keeps its value from the running
 * configuration (gateway-wide settings are read once, at start-up). The file is mapped by the same SmallRye mapping
 * as start-up, so a misspelt key is refused by name, and then validated by {@link GatewaySettings} as at start-up.
 */
public final class GatewayConfigFile {

    static final String KEY = "ballast.gateway.config-file";
    private static final Pattern CONFIG_KEY = Pattern.compile("ballast\\.gateway\\.[A-Za-z0-9_.\\-\"\\[\\]]+");

    private GatewayConfigFile() {
    }

    /** Reads and maps the file; {@link InvalidGatewayConfigException} when it cannot be read or mapped. */
    public static GatewayConfig read(Path file, GatewayConfig base) {
        return parse(decode(readBytes(file), file.toString()), file.toString(), base);
    }

    /**
     * The file's text, strictly UTF-8: a file saved in another encoding is refused (naming the key) rather than read
     * with replacement characters in place of what it meant.
     */
    public static String decode(byte[] content, String name) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidGatewayConfigException(KEY, name + " is not UTF-8 text (" + e + ")");
        }
    }

    /** The file's content; {@link InvalidGatewayConfigException} when it cannot be read. */
    public static byte[] readBytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidGatewayConfigException(KEY, "cannot read " + file + " (" + e + ")");
        }
    }

    /** {@code base} with its routes and upstreams replaced by those of {@code yaml}. */
    public static GatewayConfig parse(String yaml, String name, GatewayConfig base) {
        YamlConfigSource source;
        try {
            source = new YamlConfigSource(name, yaml, 500);
        } catch (RuntimeException e) {
            throw new InvalidGatewayConfigException(KEY, name + " is not valid YAML: " + firstLine(e.getMessage()));
        }
        if (source.getPropertyNames().stream().noneMatch(p -> p.startsWith("ballast.gateway."))) {
            throw new InvalidGatewayConfigException(KEY, name + " has no ballast.gateway.routes or "
                    + "ballast.gateway.upstreams (the file uses the same keys as application.yaml, under "
                    + "ballast: gateway:)");
        }
        GatewayConfig fromFile;
        try {
            SmallRyeConfig config = new SmallRyeConfigBuilder()
                    .withConverter(Duration.class, 200, new DurationConverter())
                    .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                    .withMapping(GatewayConfig.class)
                    .withSources(source)
                    .build();
            fromFile = config.getConfigMapping(GatewayConfig.class);
        } catch (RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            Matcher key = CONFIG_KEY.matcher(message);
            throw new InvalidGatewayConfigException(key.find() ? key.group() : KEY, firstLine(message));
        }
        return withRoutesAndUpstreams(base, fromFile.routes(), fromFile.upstreams());
    }

    /** A view of {@code base} answering routes() and upstreams() from the file, anything else as base does. */
    private static GatewayConfig withRoutesAndUpstreams(GatewayConfig base, Map<String, GatewayConfig.Route> routes,
                                                       Map<String, GatewayConfig.Upstream> upstreams) {
        return (GatewayConfig) Proxy.newProxyInstance(GatewayConfig.class.getClassLoader(),
                new Class<?>[] {GatewayConfig.class}, (proxy, method, args) -> {
                    if (method.getParameterCount() == 0 && method.getName().equals("routes")) {
                        return routes;
                    }
                    if (method.getParameterCount() == 0 && method.getName().equals("upstreams")) {
                        return upstreams;
                    }
                    try {
                        return method.invoke(base, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static String firstLine(String message) {
        String text = String.valueOf(message).strip();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
