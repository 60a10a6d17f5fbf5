package dev.ballast.gateway.tls;

import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Raw {@code ballast.gateway.tls.*} keys: TLS termination on the traffic port from PEM files (a mounted Secret) and
 * the optional plain-HTTP listener that redirects to HTTPS. {@link ServerTlsSettings#from} checks them.
 */
public interface ServerTlsConfig {

    /** Serve the traffic port over HTTPS. */
    @WithDefault("false")
    boolean enabled();

    /** PEM certificate chain, leaf first (Kubernetes TLS Secret: tls.crt). */
    Optional<String> certFile();

    /** PEM private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC), unencrypted (Kubernetes TLS Secret: tls.key). */
    Optional<String> keyFile();

    /** How often the files are re-read and compared by content hash; 0 turns reloading off. */
    @WithDefault("10s")
    Duration reloadInterval();

    /** Enabled TLS protocol versions. */
    @WithDefault("TLSv1.2,TLSv1.3")
    List<String> protocols();

    RedirectHttp redirectHttp();

    interface RedirectHttp {
        /** Listen for plain HTTP and answer every request with 308 to the same path on HTTPS. */
        @WithDefault("false")
        boolean enabled();

        /** Plain-HTTP port of the redirect listener; required when enabled. */
        OptionalInt port();

        /** Port written into the Location header; defaults to the traffic port (443 is left out of the URL). */
        OptionalInt httpsPort();
    }
}
