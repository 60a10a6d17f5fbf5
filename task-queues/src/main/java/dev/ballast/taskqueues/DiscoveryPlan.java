package dev.ballast.taskqueues;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How to list a system's queues without configuration: read the members of a registry set
 * (RQ {@code rq:queues}, Sidekiq {@code queues}), SCAN for a key pattern (BullMQ {@code bull:*:meta}),
 * or SCAN for sets and read their members (Celery/kombu {@code _kombu.binding.*}); then turn a member or
 * key into a queue name by stripping a prefix and suffix, or by taking what follows the last separator.
 * SCAN is incremental, so discovery never blocks Redis the way KEYS would.
 *
 * @param memberSeparator when not empty, the queue name is what follows its last occurrence in a member
 * @param ignoredGlobs    queue names that are the system's own plumbing, not task queues
 */
public record DiscoveryPlan(Kind kind, String keyOrPattern, String memberPrefix, String memberSuffix, String memberSeparator,
                            List<String> ignoredGlobs) {

    public enum Kind {
        /** SMEMBERS (or SSCAN) of a set whose members name the queues. */
        SET_MEMBERS,
        /** SCAN MATCH over key names; the keys name the queues. */
        SCAN,
        /** SCAN MATCH for sets, then SMEMBERS of each; the members name the queues. */
        SCAN_SET_MEMBERS
    }

    public DiscoveryPlan {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(keyOrPattern, "keyOrPattern");
        Objects.requireNonNull(memberPrefix, "memberPrefix");
        Objects.requireNonNull(memberSuffix, "memberSuffix");
        Objects.requireNonNull(memberSeparator, "memberSeparator");
        ignoredGlobs = List.copyOf(ignoredGlobs);
    }

    public static DiscoveryPlan setMembers(String key, String memberPrefix) {
        return new DiscoveryPlan(Kind.SET_MEMBERS, key, memberPrefix, "", "", List.of());
    }

    public static DiscoveryPlan scan(String pattern, String keyPrefix, String keySuffix) {
        return new DiscoveryPlan(Kind.SCAN, pattern, keyPrefix, keySuffix, "", List.of());
    }

    public static DiscoveryPlan scanSetMembers(String pattern, String memberSeparator, List<String> ignoredGlobs) {
        return new DiscoveryPlan(Kind.SCAN_SET_MEMBERS, pattern, "", "", memberSeparator, ignoredGlobs);
    }

    /** The queue name a set member or scanned key stands for; empty when it does not fit the layout or is plumbing. */
    public Optional<String> queueName(String member) {
        if (member == null) {
            return Optional.empty();
        }
        String name;
        if (!memberSeparator.isEmpty()) {
            int at = member.lastIndexOf(memberSeparator);
            name = at < 0 ? "" : member.substring(at + memberSeparator.length());
        } else {
            if (!member.startsWith(memberPrefix) || !member.endsWith(memberSuffix)
                    || member.length() <= memberPrefix.length() + memberSuffix.length()) {
                return Optional.empty();
            }
            name = member.substring(memberPrefix.length(), member.length() - memberSuffix.length());
        }
        if (name.isEmpty() || ignoredGlobs.stream().map(QueueSelection::globToRegex).map(Pattern::asMatchPredicate)
                .anyMatch(p -> p.test(name))) {
            return Optional.empty();
        }
        return Optional.of(name);
    }
}
