package dev.ballast.gateway.tls;

/**
 * Certificate or key material that cannot be served: names the configuration key whose file is at fault, so start-up
 * can fail with it and a rejected reload can log it.
 */
public final class BadCertificateException extends RuntimeException {

    private final String key;
    private final String problem;

    BadCertificateException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
        this.problem = problem;
    }

    BadCertificateException(String key, String problem, Throwable cause) {
        super(key + ": " + problem, cause);
        this.key = key;
        this.problem = problem;
    }

    public String key() {
        return key;
    }

    public String problem() {
        return problem;
    }
}
