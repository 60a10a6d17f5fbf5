package dev.ballast.taskqueues;

import java.util.Objects;
import java.util.Optional;

/**
 * How to list a system's queues without configuration: read the members of a registry set
 * (RQ {@code rq:queues}, Sidekiq {@code queues}) or SCAN for a key pattern (BullMQ {@code bull:*:meta}),
 * then strip the member's prefix and suffix to get the queue name. SCAN is incremental, so discovery
 * never blocks Redis the way KEYS would.
 */
public record DiscoveryPlan(Kind kind, String keyOrPattern, String memberPrefix, String memberSuffix) {

    public enum Kind {
        /** SMEMBERS (or SSCAN) of a set whose members name the queues. */
        SET_MEMBERS,
        /** SCAN MATCH over key names. */
        SCAN
    }

    public DiscoveryPlan {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(keyOrPattern, "keyOrPattern");
        Objects.requireNonNull(memberPrefix, "memberPrefix");
        Objects.requireNonNull(memberSuffix, "memberSuffix");
    }

    public static DiscoveryPlan setMembers(String key, String memberPrefix) {
        return new DiscoveryPlan(Kind.SET_MEMBERS, key, memberPrefix, "");
    }

    public static DiscoveryPlan scan(String pattern, String keyPrefix, String keySuffix) {
        return new DiscoveryPlan(Kind.SCAN, pattern, keyPrefix, keySuffix);
    }

    /** The queue name a set member or scanned key stands for; empty when it does not fit the layout. */
    public Optional<String> queueName(String member) {
        if (member == null || !member.startsWith(memberPrefix) || !member.endsWith(memberSuffix)
                || member.length() <= memberPrefix.length() + memberSuffix.length()) {
            return Optional.empty();
        }
        return Optional.of(member.substring(memberPrefix.length(), member.length() - memberSuffix.length()));
    }
}
