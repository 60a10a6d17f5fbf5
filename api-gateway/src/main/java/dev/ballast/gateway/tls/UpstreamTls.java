package dev.ballast.gateway.tls;

import dev.ballast.gateway.config.InvalidGatewayConfigException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.TrustOptions;
import org.jboss.logging.Logger;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Checked {@code ballast.gateway.upstreams.<upstream>.tls.*}: how the gateway speaks TLS to one upstream's endpoints,
 * and the one place that turns it into Vert.x client options. Like nginx' {@code proxy_ssl_trusted_certificate},
 * {@code proxy_ssl_name} and {@code proxy_ssl_verify}, except that verification is on by default.
 *
 * @param trust      the trust store's bytes (PEM bundle or PKCS#12), null for the JVM's default trust
 * @param serverName the name sent as SNI and checked against the certificate; null for each endpoint's own host
 */
public record UpstreamTls(boolean enabled, byte[] trust, boolean pkcs12, String trustPassword, String serverName,
                          boolean verifyHostname, boolean insecureSkipVerify) {

    private static final Logger LOG = Logger.getLogger(UpstreamTls.class);

    /** Plain HTTP to the upstream. */
    public static final UpstreamTls PLAIN = new UpstreamTls(false, null, false, null, null, true, false);

    /** @param upstream the upstream's name (for the keys in error messages) */
    public static UpstreamTls from(String upstream, UpstreamTlsConfig config) {
        String key = "ballast.gateway.upstreams." + upstream + ".tls.";
        if (!config.enabled()) {
            config.trustStoreFile().ifPresent(file -> {
                throw new InvalidGatewayConfigException(key + "trust-store-file",
                        "has no effect unless " + key + "enabled=true");
            });
            return PLAIN;
        }
        if (config.insecureSkipVerify()) {
            if (config.trustStoreFile().isPresent()) {
                throw new InvalidGatewayConfigException(key + "insecure-skip-verify",
                        "contradicts trust-store-file: either verify against the trust store or skip verification");
            }
            LOG.warnf("%sinsecure-skip-verify=true: the gateway accepts ANY certificate from upstream '%s', so anyone "
                    + "on the network path can impersonate it. Use a trust-store-file instead.", key, upstream);
            return new UpstreamTls(true, null, false, null, config.serverName().map(String::trim).orElse(null),
                    false, true);
        }
        byte[] trust = null;
        boolean pkcs12 = false;
        String password = config.trustStorePassword().orElse(null);
        if (config.trustStoreFile().isPresent()) {
            Path file = Path.of(config.trustStoreFile().get().trim());
            trust = read(key + "trust-store-file", file);
            pkcs12 = !new String(trust, 0, Math.min(trust.length, 4096), StandardCharsets.US_ASCII)
                    .contains("-----BEGIN CERTIFICATE-----");
            checkTrustStore(key, file, trust, pkcs12, password);
        }
        String serverName = config.serverName().map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
        return new UpstreamTls(true, trust, pkcs12, password, serverName, config.verifyHostname(), false);
    }

    /** Applies TLS to a client for this upstream; a plain upstream's options are returned untouched. */
    public HttpClientOptions applyTo(HttpClientOptions options) {
        if (!enabled) {
            return options;
        }
        options.setSsl(true)
                .setVerifyHost(verifyHostname && !insecureSkipVerify)
                .setTrustAll(insecureSkipVerify);
        TrustOptions trustOptions = trustOptions();
        if (trustOptions != null) {
            options.setTrustOptions(trustOptions);
        }
        return options;
    }

    /**
     * The Netty client context for this upstream's connections (the proxy path's own client), or null for plain HTTP.
     * Same trust and verification as {@link #applyTo}: the trust store or the JVM's default trust, the certificate's
     * name checked against the server name (or the endpoint's host) unless verify-hostname is off, nothing checked
     * with insecure-skip-verify. Built once per upstream generation: building one parses the trust store.
     */
    public SslContext nettyClientContext() {
        if (!enabled) {
            return null;
        }
        try {
            SslContextBuilder builder = SslContextBuilder.forClient();
            if (insecureSkipVerify) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (trust != null && pkcs12) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(new ByteArrayInputStream(trust), trustPassword == null ? null : trustPassword.toCharArray());
                TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                factory.init(store);
                builder.trustManager(factory);
            } else if (trust != null) {
                builder.trustManager(new ByteArrayInputStream(trust));
            }
            builder.endpointIdentificationAlgorithm(verifyHostname && !insecureSkipVerify ? "HTTPS" : null);
            return builder.build();
        } catch (Exception e) {
            // The trust store was checked when the configuration was read; this is not expected to happen.
            throw new IllegalStateException("TLS context for an upstream (" + this + ") could not be built: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Points a request at an endpoint. Vert.x sends SNI for, and verifies the certificate against, the request's host,
     * which is the endpoint's own host unless a server-name is set; the connection always goes to the endpoint.
     */
    public RequestOptions target(RequestOptions options, SocketAddress endpoint) {
        options.setServer(endpoint);
        if (enabled && serverName != null) {
            options.setHost(serverName).setPort(endpoint.port());
        }
        return options;
    }

    private TrustOptions trustOptions() {
        if (trust == null) {
            return null;
        }
        return pkcs12 ? new PfxOptions().setValue(Buffer.buffer(trust)).setPassword(trustPassword)
                : new PemTrustOptions().addCertValue(Buffer.buffer(trust));
    }

    private static byte[] read(String key, Path file) {
        try {
            return CertificatePair.readFile(key, file);
        } catch (BadCertificateException e) {
            throw new InvalidGatewayConfigException(e.key(), e.problem());
        }
    }

    private static void checkTrustStore(String key, Path file, byte[] trust, boolean pkcs12, String password) {
        try {
            if (pkcs12) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(new ByteArrayInputStream(trust), password == null ? null : password.toCharArray());
                if (store.size() == 0) {
                    throw new InvalidGatewayConfigException(key + "trust-store-file", file + " holds no certificate");
                }
            } else if (CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(trust))
                    .isEmpty()) {
                throw new InvalidGatewayConfigException(key + "trust-store-file", file + " holds no certificate");
            }
        } catch (InvalidGatewayConfigException e) {
            throw e;
        } catch (IOException e) {
            // KeyStore.load reports a wrong password as an IOException caused by UnrecoverableKeyException.
            boolean wrongPassword = e.getCause() instanceof java.security.UnrecoverableKeyException;
            throw new InvalidGatewayConfigException(key + (wrongPassword ? "trust-store-password" : "trust-store-file"),
                    wrongPassword ? "does not open " + file
                            : file + " is neither a PEM certificate bundle nor a PKCS#12 store ("
                                    + e.getMessage() + ")");
        } catch (Exception e) {
            throw new InvalidGatewayConfigException(key + "trust-store-file",
                    file + " is not a readable trust store (" + e.getMessage() + ")");
        }
    }

    /** By content: a configuration reload that re-reads the same trust store is no change. */
    @Override
    public boolean equals(Object other) {
        return other instanceof UpstreamTls o && enabled == o.enabled && pkcs12 == o.pkcs12
                && verifyHostname == o.verifyHostname && insecureSkipVerify == o.insecureSkipVerify
                && java.util.Arrays.equals(trust, o.trust) && java.util.Objects.equals(trustPassword, o.trustPassword)
                && java.util.Objects.equals(serverName, o.serverName);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(enabled, java.util.Arrays.hashCode(trust), serverName, verifyHostname,
                insecureSkipVerify);
    }

    /** Never prints the trust store password. */
    @Override
    public String toString() {
        return !enabled ? "plain HTTP" : insecureSkipVerify ? "TLS without verification"
                : "TLS (trust " + (trust == null ? "JVM default" : pkcs12 ? "PKCS#12 store" : "PEM bundle")
                + ", name " + (serverName == null ? "endpoint host" : serverName)
                + (verifyHostname ? "" : " not verified") + ")";
    }
}
