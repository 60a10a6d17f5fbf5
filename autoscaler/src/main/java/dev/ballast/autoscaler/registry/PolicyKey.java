package dev.ballast.autoscaler.registry;

/** namespace/name of a ScalingPolicy. */
public record PolicyKey(String namespace, String name) {

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
