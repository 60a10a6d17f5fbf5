package dev.ballast.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority for TLS tests, made with the JDK alone: {@code keytool} (from {@code java.home})
 * creates the keys and signs, Java writes the PEM files servers read (as a Kubernetes TLS Secret holds them).
 * Every {@link #issue} makes a new key and serial, so a test can swap certificates and tell them apart.
 */
public final class TestCertificates {

    private static final String STORE_PASSWORD = "changeit";

    /** Key algorithms a certificate can be issued with. */
    public enum KeyType { RSA, EC }

    /** How a private key is written: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE KEY"). */
    public enum KeyFormat { PKCS8, PKCS1, SEC1 }

    /** A certificate on disk: the PEM chain (leaf first), the PEM key, and the leaf for assertions. */
    public record Issued(Path certFile, Path keyFile, X509Certificate certificate) {
    }

    private final Path dir;
    private final Path caStore;
    private final X509Certificate ca;
    private final Path caFile;
    private int issued;

    private TestCertificates(Path dir, Path caStore, X509Certificate ca, Path caFile) {
        this.dir = dir;
        this.caStore = caStore;
        this.ca = ca;
        this.caFile = caFile;
    }

    /** Creates a new CA (EC P-256, valid two days) in a fresh temporary directory, deleted at JVM exit. */
    public static TestCertificates create() {
        return create(TempPaths.directory("ballast-tls-"));
    }

    /** Creates a new CA whose files live in {@code dir}. */
    public static TestCertificates create(Path dir) {
        Path store = dir.resolve("ca.p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=Ballast Test CA", "-ext", "bc:c", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD);
        X509Certificate ca = (X509Certificate) load(store).certificate;
        Path caFile = dir.resolve("ca.pem");
        write(caFile, pem("CERTIFICATE", encoded(ca)));
        return new TestCertificates(dir, store, ca, caFile);
    }

    /** The CA certificate as PEM: the trust store of clients that should accept what {@link #issue} makes. */
    public Path caFile() {
        return caFile;
    }

    /** The CA certificate in a PKCS#12 trust store protected by {@code password}. */
    public Path caPkcs12(String password) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setCertificateEntry("ca", ca);
            Path file = dir.resolve("ca-trust.p12");
            try (var out = Files.newOutputStream(file)) {
                store.store(out, password.toCharArray());
            }
            return file;
        } catch (Exception e) {
            throw new IllegalStateException("Could not write the PKCS#12 trust store", e);
        }
    }

    /** A server certificate for {@code localhost} and {@code 127.0.0.1}, RSA key in PKCS#8, signed by this CA. */
    public Issued issue(String name) {
        return issue(name, KeyType.RSA, KeyFormat.PKCS8);
    }

    /** A server certificate for {@code localhost} and {@code 127.0.0.1} signed by this CA, its key written as asked. */
    public Issued issue(String name, KeyType type, KeyFormat format) {
        Path store = newKeyPair(name, type, "CN=localhost", null);
        Path request = dir.resolve(name + ".csr");
        Path signed = dir.resolve(name + ".signed.pem");
        keytool("-certreq", "-alias", name, "-keystore", store.toString(), "-storepass", STORE_PASSWORD,
                "-file", request.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-storepass", STORE_PASSWORD,
                "-infile", request.toString(), "-outfile", signed.toString(), "-validity", "2",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-ext", "EKU=serverAuth");
        X509Certificate leaf = parse(signed);
        return writePair(name, leaf, load(store).key, format, encoded(leaf), encoded(ca));
    }

    /** A self-signed certificate for {@code localhost} and {@code 127.0.0.1} that this CA's trusters must refuse. */
    public Issued selfSigned(String name) {
        Path store = newKeyPair(name, KeyType.RSA, "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1");
        Entry entry = load(store);
        X509Certificate leaf = (X509Certificate) entry.certificate;
        return writePair(name, leaf, entry.key, KeyFormat.PKCS8, encoded(leaf));
    }

    /** The key of {@code issued} written again in another format (a new file next to it); the certificate stays. */
    public Path keyAs(Issued issued, KeyFormat format) {
        try {
            String pem = Files.readString(issued.keyFile(), StandardCharsets.US_ASCII);
            byte[] pkcs8 = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
            String algorithm = issued.certificate().getPublicKey().getAlgorithm();
            PrivateKey key = java.security.KeyFactory.getInstance(algorithm)
                    .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(pkcs8));
            Path file = issued.keyFile().resolveSibling(issued.keyFile().getFileName() + "." + format);
            write(file, keyPem(key, format));
            return file;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("Could not re-encode " + issued.keyFile(), e);
        }
    }

    private Path newKeyPair(String name, KeyType type, String dname, String extension) {
        Path store = dir.resolve(name + "-" + (++issued) + ".p12");
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", name, "-dname", dname,
                "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", STORE_PASSWORD));
        args.addAll(type == KeyType.RSA ? List.of("-keyalg", "RSA", "-keysize", "2048")
                : List.of("-keyalg", "EC", "-groupname", "secp256r1"));
        if (extension != null) {
            args.addAll(List.of("-ext", extension));
        }
        keytool(args.toArray(String[]::new));
        return store;
    }

    private Issued writePair(String name, X509Certificate leaf, PrivateKey key, KeyFormat format, byte[]... chain) {
        StringBuilder certs = new StringBuilder();
        for (byte[] cert : chain) {
            certs.append(pem("CERTIFICATE", cert));
        }
        Path certFile = dir.resolve(name + ".crt");
        Path keyFile = dir.resolve(name + ".key");
        write(certFile, certs.toString());
        write(keyFile, keyPem(key, format));
        return new Issued(certFile, keyFile, leaf);
    }

    private static String keyPem(PrivateKey key, KeyFormat format) {
        byte[] pkcs8 = key.getEncoded();
        return switch (format) {
            case PKCS8 -> pem("PRIVATE KEY", pkcs8);
            case PKCS1 -> {
                if (!key.getAlgorithm().equals("RSA")) {
                    throw new IllegalArgumentException("PKCS#1 holds RSA keys only, this key is " + key.getAlgorithm());
                }
                yield pem("RSA PRIVATE KEY", Der.pkcs8Inner(pkcs8));
            }
            case SEC1 -> {
                if (!key.getAlgorithm().equals("EC")) {
                    throw new IllegalArgumentException("SEC1 holds EC keys only, this key is " + key.getAlgorithm());
                }
                yield pem("EC PRIVATE KEY", Der.sec1WithCurve(pkcs8));
            }
        };
    }

    private record Entry(PrivateKey key, java.security.cert.Certificate certificate) {
    }

    private static Entry load(Path store) {
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, STORE_PASSWORD.toCharArray());
            String alias = keyStore.aliases().nextElement();
            return new Entry((PrivateKey) keyStore.getKey(alias, STORE_PASSWORD.toCharArray()),
                    keyStore.getCertificate(alias));
        } catch (Exception e) {
            throw new IllegalStateException("Could not read " + store, e);
        }
    }

    private static X509Certificate parse(Path pemFile) {
        try (InputStream in = Files.newInputStream(pemFile)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (Exception e) {
            throw new IllegalStateException("Could not parse " + pemFile, e);
        }
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** PEM armour with 64-character lines, as openssl writes it. */
    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("Could not write " + file, e);
        }
    }

    private static void keytool(String... args) {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        if (!Files.isExecutable(keytool)) {
            throw new IllegalStateException("keytool not found at " + keytool + ": tests need a full JDK (not a JRE)."
                    + " Install one, e.g. `apt-get install -y openjdk-17-jdk-headless`, and run Maven with it.");
        }
        List<String> command = new ArrayList<>();
        command.add(keytool.toString());
        command.addAll(Arrays.asList(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: "
                        + new String(output, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new IllegalStateException("Could not run " + keytool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running keytool", e);
        }
    }

    /** Just enough DER to turn a PKCS#8 key into the PKCS#1 and SEC1 forms some Secrets hold. */
    private static final class Der {

        private record Tlv(int tag, int start, int contentStart, int end) {
        }

        private static Tlv read(byte[] der, int offset) {
            int tag = der[offset] & 0xff;
            int lengthByte = der[offset + 1] & 0xff;
            int contentStart = offset + 2;
            int length = lengthByte;
            if (lengthByte > 0x80) {
                int count = lengthByte & 0x7f;
                length = 0;
                for (int i = 0; i < count; i++) {
                    length = (length << 8) | (der[contentStart + i] & 0xff);
                }
                contentStart += count;
            }
            return new Tlv(tag, offset, contentStart, contentStart + length);
        }

        private static List<Tlv> children(byte[] der, Tlv parent) {
            List<Tlv> children = new ArrayList<>();
            for (int at = parent.contentStart; at < parent.end; ) {
                Tlv child = read(der, at);
                children.add(child);
                at = child.end;
            }
            return children;
        }

        /** PKCS#8 PrivateKeyInfo: SEQUENCE { version, AlgorithmIdentifier, OCTET STRING privateKey }. */
        static byte[] pkcs8Inner(byte[] pkcs8) {
            Tlv key = children(pkcs8, read(pkcs8, 0)).get(2);
            return Arrays.copyOfRange(pkcs8, key.contentStart, key.end);
        }

        /** SEC1 ECPrivateKey with its curve: JDK's PKCS#8 keeps the curve in the AlgorithmIdentifier only. */
        static byte[] sec1WithCurve(byte[] pkcs8) {
            List<Tlv> info = children(pkcs8, read(pkcs8, 0));
            Tlv algorithm = info.get(1);
            Tlv curve = children(pkcs8, algorithm).get(1);
            byte[] inner = pkcs8Inner(pkcs8);
            List<Tlv> fields = children(inner, read(inner, 0));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(inner, fields.get(0).start, fields.get(0).end - fields.get(0).start); // version
            body.write(inner, fields.get(1).start, fields.get(1).end - fields.get(1).start); // private key
            byte[] oid = Arrays.copyOfRange(pkcs8, curve.start, curve.end);
            body.writeBytes(wrap(0xa0, oid)); // [0] parameters: the named curve
            for (int i = 2; i < fields.size(); i++) {
                if (fields.get(i).tag != 0xa0) {
                    body.write(inner, fields.get(i).start, fields.get(i).end - fields.get(i).start);
                }
            }
            return wrap(0x30, body.toByteArray());
        }

        private static byte[] wrap(int tag, byte[] content) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(tag);
            int length = content.length;
            if (length < 0x80) {
                out.write(length);
            } else if (length < 0x100) {
                out.write(0x81);
                out.write(length);
            } else {
                out.write(0x82);
                out.write(length >> 8);
                out.write(length & 0xff);
            }
            out.writeBytes(content);
            return out.toByteArray();
        }
    }
}
