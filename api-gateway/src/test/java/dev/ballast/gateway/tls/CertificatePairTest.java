package dev.ballast.gateway.tls;

import dev.ballast.testing.TempPaths;
import dev.ballast.testing.TestCertificates;
import dev.ballast.testing.TestCertificates.KeyFormat;
import dev.ballast.testing.TestCertificates.KeyType;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CertificatePairTest {

    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() {
        vertx.close();
    }

    @ParameterizedTest(name = "{0} key as {1}")
    @CsvSource({"RSA, PKCS8", "RSA, PKCS1", "EC, PKCS8", "EC, SEC1"})
    @DisplayName("every key format a Kubernetes TLS Secret may hold is read and matched to its certificate")
    void keyFormats(KeyType type, KeyFormat format) {
        TestCertificates.Issued issued = type == KeyType.RSA ? TestPki.FIRST : TestPki.ec();
        Path key = TestPki.CA.keyAs(issued, format);

        CertificatePair pair = CertificatePair.read(vertx, issued.certFile(), key);

        assertThat(pair.leaf()).isEqualTo(issued.certificate());
        assertThat(pair.chainLength()).isEqualTo(2);
        assertThat(pair.notAfter()).isEqualTo(issued.certificate().getNotAfter().toInstant());
        assertThat(new String(pair.keyPem())).contains(format == KeyFormat.PKCS8 ? "BEGIN PRIVATE KEY"
                : format == KeyFormat.PKCS1 ? "BEGIN RSA PRIVATE KEY" : "BEGIN EC PRIVATE KEY");
    }

    @Test
    @DisplayName("the content hash changes with the content, not with the file's timestamp")
    void hashFollowsContent() throws Exception {
        TestCertificates.Issued first = copy(TestPki.FIRST);
        String before = CertificatePair.Content.read(first.certFile(), first.keyFile()).sha256();

        Files.setLastModifiedTime(first.certFile(), java.nio.file.attribute.FileTime.fromMillis(0));
        String touched = CertificatePair.Content.read(first.certFile(), first.keyFile()).sha256();
        String other = CertificatePair.Content.read(TestPki.SECOND.certFile(), TestPki.SECOND.keyFile()).sha256();

        assertThat(touched).isEqualTo(before);
        assertThat(other).isNotEqualTo(before);
    }

    @Test
    @DisplayName("a key that belongs to another certificate is refused, naming key-file")
    void mismatchedKey() {
        TestCertificates.Issued one = TestPki.FIRST;
        TestCertificates.Issued other = TestPki.SECOND;

        assertThatThrownBy(() -> CertificatePair.read(vertx, one.certFile(), other.keyFile()))
                .isInstanceOfSatisfying(BadCertificateException.class, e -> {
                    assertThat(e.key()).isEqualTo("ballast.gateway.tls.key-file");
                    assertThat(e.problem()).contains("does not belong to the certificate in " + one.certFile());
                });
    }

    @Test
    @DisplayName("an EC key next to an RSA certificate is refused as not belonging to it")
    void keyOfAnotherType() {
        TestCertificates.Issued rsa = TestPki.FIRST;
        TestCertificates.Issued ec = TestPki.ec();

        assertThatThrownBy(() -> CertificatePair.read(vertx, rsa.certFile(), ec.keyFile()))
                .isInstanceOfSatisfying(BadCertificateException.class,
                        e -> assertThat(e.problem()).contains("does not belong"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "missing certificate file, cert, missing, ballast.gateway.tls.cert-file, does not exist",
            "missing key file,         key,  missing, ballast.gateway.tls.key-file,  does not exist",
            "certificate is a directory, cert, directory, ballast.gateway.tls.cert-file, cannot read",
            "certificate without PEM,  cert, garbage, ballast.gateway.tls.cert-file, holds no PEM certificate",
            "key without PEM,          key,  garbage, ballast.gateway.tls.key-file,  not a usable PEM private key",
            "a certificate as the key, key,  certificate, ballast.gateway.tls.key-file, not a usable PEM private key",
            "a truncated certificate,  cert, truncated, ballast.gateway.tls.cert-file, not a readable PEM certificate"})
    @DisplayName("unusable files are refused with the key to fix")
    void unusableFiles(String scenario, String which, String damage, String key, String problem) throws Exception {
        TestCertificates.Issued issued = copy(TestPki.FIRST);
        Path target = which.equals("cert") ? issued.certFile() : issued.keyFile();
        switch (damage) {
            case "missing" -> Files.delete(target);
            case "directory" -> {
                Files.delete(target);
                Files.createDirectory(target);
            }
            case "garbage" -> Files.writeString(target, "not a pem file\n");
            case "certificate" -> Files.copy(issued.certFile(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            case "truncated" -> {
                String pem = Files.readString(target);
                Files.writeString(target, pem.substring(0, 200)
                        + "\n-----END CERTIFICATE-----\n");
            }
            default -> throw new IllegalArgumentException(damage);
        }

        assertThatThrownBy(() -> CertificatePair.read(vertx, issued.certFile(), issued.keyFile()))
                .isInstanceOfSatisfying(BadCertificateException.class, e -> {
                    assertThat(e.key()).isEqualTo(key);
                    assertThat(e.problem()).contains(problem);
                });
    }

    /** The pair in a directory of its own, for a test to damage. */
    private static TestCertificates.Issued copy(TestCertificates.Issued issued) throws Exception {
        Path dir = TempPaths.directory("ballast-pair-");
        Path cert = Files.copy(issued.certFile(), dir.resolve("tls.crt"));
        Path key = Files.copy(issued.keyFile(), dir.resolve("tls.key"));
        return new TestCertificates.Issued(cert, key, issued.certificate());
    }
}
