package dev.ballast.gateway.config;

/**
 * The Kubernetes Service an upstream takes its endpoints from. {@code namespace} is null for the gateway pod's own
 * namespace; {@code port} is a port name, a number (the endpoint's port as listed in the EndpointSlice), or null for
 * the slices' only port.
 */
public record KubernetesService(String namespace, String service, String port) {

    /** The port as a number, or -1 when it is a name (or absent). */
    public int portNumber() {
        if (port == null || port.isEmpty() || !port.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        return Integer.parseInt(port);
    }
}
