package dev.ballast.system.observability;

import dev.ballast.testing.LoopbackPorts;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One process of the local stack (a service's packaged jar, or prometheus), its output in a log file, stopped with
 * SIGTERM as `./ballast up` stops it. Readiness is an HTTP URL answering 200.
 */
final class ServiceProcess implements AutoCloseable {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path log;
    private final URI readiness;

    private ServiceProcess(String name, Process process, Path log, URI readiness) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.readiness = readiness;
    }

    static ServiceProcess start(String name, List<String> command, Path logDir, URI readiness) {
        Path log = logDir.resolve(name + ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            return new ServiceProcess(name, process, log, readiness);
        } catch (IOException e) {
            throw new AssertionError("cannot start " + name + " (" + command + "): " + e.getMessage(), e);
        }
    }

    /** A Quarkus service from its fast-jar, small heap, serial GC: six JVMs share two cores here. */
    static ServiceProcess quarkus(String module, List<String> properties, Path logDir, URI readiness) {
        Path jar = ObservabilitySources.ROOT.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: package the services first (`./mvnw -B -pl system-tests -am "
                    + "package -DskipTests`; `./mvnw verify` builds them before system-tests)");
        }
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-XX:+UseSerialGC", "-Xmx160m",
                "-XX:TieredStopAtLevel=1"));
        properties.forEach(p -> command.add("-D" + p));
        command.add("-jar");
        command.add(jar.toString());
        return start(module, command, logDir, readiness);
    }

    boolean ready() {
        if (!process.isAlive()) {
            throw new AssertionError(name + " exited with " + process.exitValue() + "; its log:\n" + logTail());
        }
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(readiness).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String name() {
        return name;
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    static int freePort() {
        return LoopbackPorts.free();
    }


    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
