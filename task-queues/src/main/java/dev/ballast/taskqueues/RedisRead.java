package dev.ballast.taskqueues;

import java.util.Objects;

/**
 * One cheap, O(1) Redis read that yields a count: the command and the key. Callers turn it into a
 * request for their own client (Vert.x, Lettuce, redis-cli) and pipeline many of them.
 */
public record RedisRead(Command command, String key) {

    /** The counting commands the layouts need; each answers an integer and never blocks Redis. */
    public enum Command {
        /** Length of a list (0 when the key does not exist). */
        LLEN,
        /** Cardinality of a sorted set. */
        ZCARD,
        /** Cardinality of a set. */
        SCARD,
        /** Number of fields of a hash. */
        HLEN
    }

    public RedisRead {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(key, "key");
    }

    public static RedisRead llen(String key) {
        return new RedisRead(Command.LLEN, key);
    }

    public static RedisRead zcard(String key) {
        return new RedisRead(Command.ZCARD, key);
    }

    public static RedisRead hlen(String key) {
        return new RedisRead(Command.HLEN, key);
    }

    /** The command line as redis-cli would take it; Celery keys show their control bytes escaped. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(command.name()).append(' ');
        for (char c : key.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
