package dev.ballast.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process on a free loopback port, without persistence, for tests.
 * It can be stopped and started again on the same port, so tests can prove behaviour while Redis is
 * down and after it comes back.
 */
public final class RedisServer implements AutoCloseable {

    static final String INSTALL_HINT =
            "redis-server is not installed: tests need the real server. Install it with `apt-get install -y redis-server` "
                    + "(or run ./ballast test, which installs what the tests need).";

    private final Path executable;
    private final int port;
    private final Path workDir;
    private Process process;

    private RedisServer(Path executable, int port, Path workDir) {
        this.executable = executable;
        this.port = port;
        this.workDir = workDir;
    }

    /** Starts a server on a free loopback port; fails with an install hint when redis-server is missing. */
    public static RedisServer start() {
        Path executable = findExecutable();
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                // deleted by close(), or at JVM exit when a test never gets to close it
                Path dir = TempPaths.directory("ballast-redis-");
                RedisServer server = new RedisServer(executable, LoopbackPorts.free(), dir);
                server.startProcess();
                return server;
            } catch (IllegalStateException e) {
                last = e; // another process may have taken the port between probe and bind
            }
        }
        throw last;
    }

    static Path findExecutable() {
        String override = System.getenv("BALLAST_REDIS_SERVER");
        List<String> candidates = override != null ? List.of(override)
                : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server");
        for (String candidate : candidates) {
            Path p = Path.of(candidate);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "redis-server"))) {
                return Path.of(dir, "redis-server");
            }
        }
        throw new IllegalStateException(INSTALL_HINT);
    }


    private void startProcess() {
        ProcessBuilder builder = new ProcessBuilder(executable.toString(),
                "--port", Integer.toString(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--protected-mode", "no",
                "--daemonize", "no",
                "--dir", workDir.toString(),
                "--logfile", workDir.resolve("redis.log").toString());
        builder.redirectErrorStream(true);
        builder.redirectOutput(workDir.resolve("redis.out").toFile());
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("Could not start " + executable + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited at start (port " + port + "): " + readLog());
            }
            if (ping()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within 10 s: " + readLog());
    }

    private String readLog() {
        try {
            Path log = workDir.resolve("redis.log");
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** True when the server answers PING with PONG. */
    public boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** The URI for {@code quarkus.redis.hosts}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops the server (a crash, as far as clients can tell); {@link #restart()} brings it back on the same port. */
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    /** Starts the server again on the same port, empty. */
    public void restart() {
        stop();
        startProcess();
    }

    @Override
    public void close() {
        stop();
        TempPaths.delete(workDir);
    }
}
