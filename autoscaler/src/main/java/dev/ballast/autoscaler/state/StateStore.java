package dev.ballast.autoscaler.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ballast.autoscaler.config.AutoscalerConfig;
import dev.ballast.autoscaler.registry.PolicyKey;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-policy state in Redis (one JSON string per policy), with a copy in memory. When Redis is off or failing the
 * autoscaler keeps running on the memory copy and reports itself degraded: a restart would then lose stabilization
 * windows and cooldowns, as the HPA does.
 */
@ApplicationScoped
public class StateStore {

    private static final Logger LOG = Logger.getLogger(StateStore.class);

    private final Redis redis;
    private final ObjectMapper json;
    private final boolean enabled;
    private final String prefix;
    private final Duration timeout;
    private final Map<PolicyKey, StoredState> memory = new ConcurrentHashMap<>();
    private volatile String degraded;

    StateStore(Redis redis, ObjectMapper json, AutoscalerConfig config) {
        this.redis = redis;
        this.json = json;
        this.enabled = config.state().redis();
        this.prefix = config.state().keyPrefix();
        this.timeout = config.runtime().fetchTimeout();
        this.degraded = enabled ? null : "ballast.autoscaler.state.redis=false: state is kept in memory only";
    }

    /** The persisted state, from Redis when it answers, else the memory copy. */
    public Optional<StoredState> load(PolicyKey key) {
        if (enabled) {
            try {
                Response r = redis.send(Request.cmd(Command.GET).arg(redisKey(key))).await().atMost(timeout);
                healthy();
                if (r == null) {
                    return Optional.ofNullable(memory.get(key));
                }
                StoredState s = json.readValue(r.toString(), StoredState.class);
                memory.put(key, s);
                return Optional.of(s);
            } catch (JsonProcessingException e) {
                LOG.warnf("stored state of %s is unreadable, starting fresh: %s", key, e.getOriginalMessage());
            } catch (RuntimeException e) {
                failed("read", e);
            }
        }
        return Optional.ofNullable(memory.get(key));
    }

    public void save(PolicyKey key, StoredState state) {
        memory.put(key, state);
        if (!enabled) {
            return;
        }
        try {
            redis.send(Request.cmd(Command.SET).arg(redisKey(key)).arg(json.writeValueAsString(state))).await().atMost(timeout);
            healthy();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the state of " + key, e);
        } catch (RuntimeException e) {
            failed("write", e);
        }
    }

    /** Drops a deleted policy's state, in memory and in Redis (the HPA forgets a deleted HPA's history too). */
    public void delete(PolicyKey key) {
        memory.remove(key);
        if (!enabled) {
            return;
        }
        try {
            redis.send(Request.cmd(Command.DEL).arg(redisKey(key))).await().atMost(timeout);
            healthy();
        } catch (RuntimeException e) {
            failed("delete", e);
        }
    }

    /** Null while state is durable; otherwise why it is not. */
    public String degraded() {
        return degraded;
    }

    /** Forgets the memory copy (what a new process starts with); Redis is untouched. */
    public void dropMemory() {
        memory.clear();
    }

    private void healthy() {
        if (enabled && degraded != null) {
            LOG.infof("Redis answers again: autoscaler state is durable");
        }
        if (enabled) {
            degraded = null;
        }
    }

    private void failed(String what, RuntimeException e) {
        if (degraded == null) {
            LOG.warnf("Redis %s failed, keeping autoscaler state in memory (degraded): %s", what, e.toString());
        }
        degraded = "Redis " + what + " failed, state is kept in memory only: " + e;
    }

    private String redisKey(PolicyKey key) {
        return prefix + key.namespace() + "/" + key.name();
    }
}
