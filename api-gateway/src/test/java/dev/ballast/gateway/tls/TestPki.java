package dev.ballast.gateway.tls;

import dev.ballast.testing.TestCertificates;

/**
 * One test CA and a few certificates for every TLS test class in this JVM: keytool runs take seconds each, so they are
 * made once, and tests copy the files they damage or swap.
 */
final class TestPki {

    static final TestCertificates CA = TestCertificates.create();
    /** RSA, PKCS#8, signed by {@link #CA}. */
    static final TestCertificates.Issued FIRST = CA.issue("first");
    /** Another RSA certificate signed by {@link #CA}, to swap in. */
    static final TestCertificates.Issued SECOND = CA.issue("second");

    private TestPki() {
    }

    /** An EC certificate signed by {@link #CA}, made on first use. */
    static TestCertificates.Issued ec() {
        return Lazy.EC;
    }

    /** A self-signed certificate for localhost/127.0.0.1 that clients trusting {@link #CA} refuse. */
    static TestCertificates.Issued selfSigned() {
        return Lazy.SELF_SIGNED;
    }

    private static final class Lazy {
        static final TestCertificates.Issued EC =
                CA.issue("ec", TestCertificates.KeyType.EC, TestCertificates.KeyFormat.PKCS8);
        static final TestCertificates.Issued SELF_SIGNED = CA.selfSigned("self-signed");
    }
}
