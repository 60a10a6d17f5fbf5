package dev.ballast.gateway.tls;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.SSLOptions;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * One certificate chain and its private key as read from disk, checked to work together: both parse as Vert.x parses
 * them for the server, and the key signs what the leaf certificate's public key verifies. The bytes handed to Vert.x
 * are the bytes that were checked (no second read that could see a half-swapped Secret).
 *
 * @param sha256 hash of both files' content: a Kubernetes Secret swap changes it, a touched mtime does not
 */
public record CertificatePair(byte[] certPem, byte[] keyPem, String sha256, X509Certificate leaf, int chainLength) {

    private static final String CERT_KEY = ServerTlsSettings.PREFIX + "cert-file";
    private static final String KEY_KEY = ServerTlsSettings.PREFIX + "key-file";

    /** Both files' bytes as read at one moment, and their hash. */
    public record Content(Path certFile, byte[] cert, Path keyFile, byte[] key, String sha256) {

        /** Reads both files; a missing or unreadable one fails naming its key. */
        public static Content read(Path certFile, Path keyFile) {
            byte[] cert = readFile(CERT_KEY, certFile);
            byte[] key = readFile(KEY_KEY, keyFile);
            return new Content(certFile, cert, keyFile, key, hash(cert, key));
        }
    }

    /** Reads and checks the files; every failure names the key of the file at fault. */
    public static CertificatePair read(Vertx vertx, Path certFile, Path keyFile) {
        return parse(vertx, Content.read(certFile, keyFile));
    }

    /** Checks content already read (so what is checked is what gets served). */
    public static CertificatePair parse(Vertx vertx, Content content) {
        List<X509Certificate> chain = certificates(content.certFile(), content.cert());
        PrivateKey privateKey = privateKey(vertx, content);
        X509Certificate leaf = chain.get(0);
        if (!belongTogether(privateKey, leaf)) {
            throw new BadCertificateException(KEY_KEY, "the private key in " + content.keyFile() + " does not "
                    + "belong to the certificate in " + content.certFile() + " ("
                    + leaf.getSubjectX500Principal().getName()
                    + "): its public key does not verify what this key signs");
        }
        return new CertificatePair(content.cert(), content.key(), content.sha256(), leaf, chain.size());
    }

    /** Server-side TLS options holding exactly this pair. */
    public SSLOptions sslOptions(Set<String> protocols) {
        return new SSLOptions()
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(certPem))
                        .setKeyValue(Buffer.buffer(keyPem)))
                .setEnabledSecureTransportProtocols(Set.copyOf(protocols));
    }

    public Instant notAfter() {
        return leaf.getNotAfter().toInstant();
    }

    /** Subject, serial and expiry: what an operator needs to recognise the certificate in a log line. */
    public String describe() {
        return leaf.getSubjectX500Principal().getName() + " serial " + leaf.getSerialNumber().toString(16)
                + " valid until " + notAfter();
    }

    /** The file's bytes; a missing or unreadable file fails naming {@code key}. */
    static byte[] readFile(String key, Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BadCertificateException(key, "file " + file + " does not exist");
        } catch (IOException | SecurityException e) {
            throw new BadCertificateException(key, "cannot read " + file + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        }
    }

    private static List<X509Certificate> certificates(Path file, byte[] pem) {
        if (!new String(pem, java.nio.charset.StandardCharsets.US_ASCII).contains("-----BEGIN CERTIFICATE-----")) {
            throw new BadCertificateException(CERT_KEY, file + " holds no PEM certificate "
                    + "(expected -----BEGIN CERTIFICATE-----, leaf first)");
        }
        try {
            Collection<? extends Certificate> parsed = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem));
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate certificate : parsed) {
                chain.add((X509Certificate) certificate);
            }
            if (chain.isEmpty()) {
                throw new BadCertificateException(CERT_KEY, file + " holds no PEM certificate");
            }
            return chain;
        } catch (java.security.cert.CertificateException e) {
            throw new BadCertificateException(CERT_KEY, file + " is not a readable PEM certificate chain ("
                    + e.getMessage() + ")", e);
        }
    }

    /** Parses the key the way the Vert.x server will (PKCS#8, PKCS#1 RSA, SEC1 EC), so a key that passes here loads. */
    private static PrivateKey privateKey(Vertx vertx, Content content) {
        try {
            KeyStore store = new PemKeyCertOptions().setKeyValue(Buffer.buffer(content.key()))
                    .setCertValue(Buffer.buffer(content.cert())).loadKeyStore(vertx);
            String alias = store.aliases().nextElement();
            // Vert.x protects the in-memory entry with a fixed password of its own; the empty-password fallback covers
            // versions that store it unprotected.
            for (String password : new String[]{"dummdummydummydummydummydummydummy", ""}) {
                try {
                    return (PrivateKey) store.getKey(alias, password.toCharArray());
                } catch (java.security.UnrecoverableKeyException wrongPassword) {
                    // try the next one
                }
            }
            throw new IllegalStateException("the parsed key could not be taken out of its key store");
        } catch (Exception e) {
            if (causedBy(e, KeyStoreException.class) || String.valueOf(e.getMessage()).contains("does not match")) {
                // The key parsed, but the key store refuses to pair it with the certificate (EC key, RSA certificate).
                throw new BadCertificateException(KEY_KEY, "the private key in " + content.keyFile() + " does not "
                        + "belong to the certificate in " + content.certFile() + " (" + e.getMessage() + ")", e);
            }
            throw new BadCertificateException(KEY_KEY, content.keyFile() + " is not a usable PEM private key "
                    + "(unencrypted PKCS#8 'PRIVATE KEY', PKCS#1 'RSA PRIVATE KEY' or SEC1 'EC PRIVATE KEY'): "
                    + e.getMessage(), e);
        }
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean belongTogether(PrivateKey key, X509Certificate leaf) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> throw new BadCertificateException(KEY_KEY, "keys of type " + key.getAlgorithm()
                    + " are not supported (RSA, EC, Ed25519)");
        };
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (java.security.InvalidKeyException | java.security.SignatureException e) {
            return false; // e.g. an EC key next to an RSA certificate
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK lacks " + algorithm, e);
        }
    }

    private static String hash(byte[] cert, byte[] key) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(cert);
            digest.update((byte) 0);
            digest.update(key);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK lacks SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CertificatePair pair && pair.sha256.equals(sha256);
    }

    @Override
    public int hashCode() {
        return sha256.hashCode();
    }

    @Override
    public String toString() {
        return "CertificatePair[" + describe() + ", sha256 " + sha256 + "]";
    }
}
