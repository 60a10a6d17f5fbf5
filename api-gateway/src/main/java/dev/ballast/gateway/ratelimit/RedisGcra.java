package dev.ballast.gateway.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Runs one GCRA decision inside Redis with {@code gcra.lua} (EVALSHA, falling back to EVAL when the server answers
 * NOSCRIPT, as after a restart or SCRIPT FLUSH), so every gateway replica draws from one budget per key.
 * Never blocks: the answer is a Vert.x future that fails on Redis errors or after {@code timeoutMillis}, and the
 * caller lets its local limiter decide then.
 */
public final class RedisGcra {

    static final String SCRIPT = loadScript();
    static final String SHA = sha1(SCRIPT);

    private final Vertx vertx;
    private final Redis redis;
    private final long timeoutMillis;

    public RedisGcra(Vertx vertx, Redis redis, long timeoutMillis) {
        this.vertx = vertx;
        this.redis = redis;
        this.timeoutMillis = timeoutMillis;
    }

    /** One decision for {@code key}; time comes from the Redis server, so {@code tat} in the result is 0. */
    public Future<Gcra.Decision> decide(String key, Rate rate, long burst) {
        String interval = Long.toString(rate.emissionIntervalMicros());
        String burstArg = Long.toString(burst);
        Promise<Gcra.Decision> promise = Promise.promise();
        long timer = vertx.setTimer(timeoutMillis,
                id -> promise.tryFail(new RedisTimeoutException("no answer from Redis within " + timeoutMillis + " ms")));
        redis.send(Request.cmd(Command.EVALSHA).arg(SHA).arg(1).arg(key).arg(interval).arg(burstArg))
                .recover(failure -> isNoScript(failure)
                        ? redis.send(Request.cmd(Command.EVAL).arg(SCRIPT).arg(1).arg(key).arg(interval).arg(burstArg))
                        : Future.failedFuture(failure))
                .onComplete(result -> {
                    vertx.cancelTimer(timer);
                    if (result.succeeded()) {
                        promise.tryComplete(toDecision(result.result(), burst));
                    } else {
                        promise.tryFail(result.cause());
                    }
                });
        return promise.future();
    }

    private static Gcra.Decision toDecision(Response reply, long burst) {
        return new Gcra.Decision(reply.get(0).toInteger() == 1, 0, burst, reply.get(1).toLong(),
                reply.get(2).toLong(), reply.get(3).toLong());
    }

    private static boolean isNoScript(Throwable failure) {
        return failure.getMessage() != null && failure.getMessage().startsWith("NOSCRIPT");
    }

    /** Redis did not answer within the per-decision budget. */
    public static final class RedisTimeoutException extends RuntimeException {
        RedisTimeoutException(String message) {
            super(message, null, false, false);
        }
    }

    private static String loadScript() {
        try (InputStream in = RedisGcra.class.getResourceAsStream("gcra.lua")) {
            if (in == null) {
                throw new IllegalStateException("gcra.lua is missing from the classpath next to RedisGcra");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
