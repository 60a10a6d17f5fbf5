package dev.ballast.gateway.config;

/** A {@code ballast.gateway.*} value that cannot work; the message names the key and says what to change. */
public final class InvalidGatewayConfigException extends RuntimeException {

    private final String key;

    public InvalidGatewayConfigException(String key, String problem) {
        super("Invalid gateway configuration: " + key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
