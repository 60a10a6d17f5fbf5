package dev.ballast.gateway.tls;

import io.smallrye.config.WithDefault;

import java.util.Optional;

/**
 * Raw {@code ballast.gateway.upstreams.<upstream>.tls.*} keys: HTTPS to an upstream's endpoints with a configurable
 * trust store. {@link UpstreamTls#from} checks them.
 */
public interface UpstreamTlsConfig {

    /** Connect to this upstream's endpoints over TLS. */
    @WithDefault("false")
    boolean enabled();

    /** CA certificates to trust: a PEM bundle, or a PKCS#12 file (with trust-store-password); absent = the JVM's. */
    Optional<String> trustStoreFile();

    /** Password of a PKCS#12 trust store. */
    Optional<String> trustStorePassword();

    /** Name sent as SNI and checked against the certificate; absent = each endpoint's own host (IP SANs for IPs). */
    Optional<String> serverName();

    /** Check that the upstream certificate names server-name (or the endpoint host). */
    @WithDefault("true")
    boolean verifyHostname();

    /** Accept any upstream certificate without checks. For experiments only: logged as a warning at start. */
    @WithDefault("false")
    boolean insecureSkipVerify();
}
