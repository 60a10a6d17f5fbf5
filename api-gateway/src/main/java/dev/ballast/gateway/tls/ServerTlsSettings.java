package dev.ballast.gateway.tls;

import dev.ballast.gateway.config.InvalidGatewayConfigException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Checked {@code ballast.gateway.tls.*}: whether the traffic port terminates TLS, from which files, how often they are
 * re-read, which protocol versions are on, and the optional HTTP-to-HTTPS redirect listener.
 *
 * @param redirectPort     plain-HTTP port of the redirect listener, empty when there is none
 * @param redirectToPort   port written into the redirect's Location, empty for "the traffic port"
 */
public record ServerTlsSettings(boolean enabled, Path certFile, Path keyFile, long reloadIntervalMillis,
                                Set<String> protocols, OptionalInt redirectPort, OptionalInt redirectToPort) {

    static final String PREFIX = "ballast.gateway.tls.";
    /** TLS 1.0 and 1.1 are deprecated (RFC 8996) and disabled in the JDK; only these may be asked for. */
    private static final Set<String> SUPPORTED = Set.of("TLSv1.2", "TLSv1.3");

    /** Plain HTTP on the traffic port, no redirect listener. */
    public static final ServerTlsSettings DISABLED =
            new ServerTlsSettings(false, null, null, 0, Set.of(), OptionalInt.empty(), OptionalInt.empty());

    public ServerTlsSettings {
        protocols = Set.copyOf(protocols);
    }

    public static ServerTlsSettings from(ServerTlsConfig config) {
        ServerTlsConfig.RedirectHttp redirect = config.redirectHttp();
        if (!config.enabled()) {
            if (redirect.enabled()) {
                throw new InvalidGatewayConfigException(PREFIX + "redirect-http.enabled",
                        "redirecting to HTTPS needs " + PREFIX + "enabled=true (the traffic port would not speak TLS)");
            }
            return DISABLED;
        }
        Path cert = Path.of(config.certFile().map(String::trim).filter(s -> !s.isEmpty()).orElseThrow(() ->
                new InvalidGatewayConfigException(PREFIX + "cert-file",
                        "required when TLS is enabled: the PEM certificate chain "
                                + "(a Kubernetes TLS Secret's tls.crt)")));
        Path key = Path.of(config.keyFile().map(String::trim).filter(s -> !s.isEmpty()).orElseThrow(() ->
                new InvalidGatewayConfigException(PREFIX + "key-file",
                        "required when TLS is enabled: the PEM private key (a Kubernetes TLS Secret's tls.key)")));
        Duration interval = config.reloadInterval();
        if (interval.isNegative() || (!interval.isZero() && interval.toMillis() < 1)) {
            throw new InvalidGatewayConfigException(PREFIX + "reload-interval",
                    "must be at least 1ms, or 0 to never re-read the files (was " + interval + ")");
        }
        return new ServerTlsSettings(true, cert, key, interval.toMillis(), protocols(config.protocols()),
                redirectPort(redirect), redirectToPort(redirect));
    }

    private static Set<String> protocols(List<String> configured) {
        Set<String> protocols = new LinkedHashSet<>();
        for (String raw : configured) {
            String protocol = raw.trim();
            if (!SUPPORTED.contains(protocol)) {
                throw new InvalidGatewayConfigException(PREFIX + "protocols",
                        "'" + raw + "' is not one of TLSv1.2, TLSv1.3 (older versions are deprecated, RFC 8996)");
            }
            protocols.add(protocol);
        }
        if (protocols.isEmpty()) {
            throw new InvalidGatewayConfigException(PREFIX + "protocols", "must name at least one of TLSv1.2, TLSv1.3");
        }
        return protocols;
    }

    private static OptionalInt redirectPort(ServerTlsConfig.RedirectHttp redirect) {
        if (!redirect.enabled()) {
            return OptionalInt.empty();
        }
        int port = redirect.port().orElseThrow(() -> new InvalidGatewayConfigException(PREFIX + "redirect-http.port",
                "required when redirect-http.enabled=true: the plain-HTTP port to listen on (0 picks a free one)"));
        checkPort(PREFIX + "redirect-http.port", port, 0);
        return OptionalInt.of(port);
    }

    private static OptionalInt redirectToPort(ServerTlsConfig.RedirectHttp redirect) {
        if (!redirect.enabled() || redirect.httpsPort().isEmpty()) {
            return OptionalInt.empty();
        }
        int port = redirect.httpsPort().getAsInt();
        checkPort(PREFIX + "redirect-http.https-port", port, 1);
        return OptionalInt.of(port);
    }

    private static void checkPort(String key, int port, int lowest) {
        if (port < lowest || port > 65_535) {
            throw new InvalidGatewayConfigException(key, port + " is not a port (" + lowest + "..65535)");
        }
    }
}
