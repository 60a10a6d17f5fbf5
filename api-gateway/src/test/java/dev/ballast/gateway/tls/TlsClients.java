package dev.ballast.gateway.tls;


import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;

/**
 * What the TLS tests share: clients that trust only the test CA (a fresh handshake per call, so the certificate seen
 * is the one served now).
 */
final class TlsClients {

    private TlsClients() {
    }

    static SSLContext trusting(Path caPem) {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("Could not build a client trusting " + caPem, e);
        }
    }

    /** Opens a new TLS connection to 127.0.0.1:port and returns the leaf certificate the server presented. */
    static X509Certificate presented(int port, Path caPem) {
        try (SSLSocket socket = (SSLSocket) trusting(caPem).getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        } catch (Exception e) {
            throw new AssertionError("TLS handshake with 127.0.0.1:" + port + " failed: " + e, e);
        }
    }

    /** A JDK HTTP/1.1 client that trusts only the test CA (and checks the 127.0.0.1 SAN). */
    static HttpClient https(Path caPem) {
        return HttpClient.newBuilder().sslContext(trusting(caPem)).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }
}
