package dev.ballast.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free ports on 127.0.0.1 for servers a test starts (or for a port where nothing listens). */
public final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /** A loopback port that was free a moment ago; nothing listens on it until the caller binds it. */
    public static int free() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("No free loopback port", e);
        }
    }
}
