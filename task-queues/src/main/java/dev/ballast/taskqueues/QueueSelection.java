package dev.ballast.taskqueues;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Chooses which queues to count: configured names always, discovered names when they match the
 * allow-list, at most {@code cap} in all. Sorted so that the same queues win every time the cap bites
 * (a cap that picked different queues each run would make series flap).
 */
public final class QueueSelection {

    private final List<Pattern> allow;
    private final int cap;

    /**
     * @param allowGlobs glob patterns ({@code *} any run, {@code ?} one character); empty allows every name
     * @param cap        the most queues counted per target; must be positive
     */
    public QueueSelection(Collection<String> allowGlobs, int cap) {
        if (cap < 1) {
            throw new IllegalArgumentException("The queue cap must be at least 1, got " + cap);
        }
        this.allow = allowGlobs.stream().map(QueueSelection::globToRegex).toList();
        this.cap = cap;
    }

    /** The outcome: the queues to count and how many were left out by the cap. */
    public record Result(List<String> queues, int droppedByCap) {
        public Result {
            queues = List.copyOf(queues);
        }
    }

    public boolean allowed(String name) {
        return allow.isEmpty() || allow.stream().anyMatch(p -> p.matcher(name).matches());
    }

    public Result select(Collection<String> configured, Collection<String> discovered) {
        TreeSet<String> chosen = new TreeSet<>(configured);
        for (String name : discovered) {
            if (allowed(name)) {
                chosen.add(name);
            }
        }
        List<String> queues = new ArrayList<>(chosen);
        // configured names are kept first; the cap trims discovered ones
        List<String> result = new ArrayList<>();
        configured.stream().distinct().sorted().limit(cap).forEach(result::add);
        for (String name : queues) {
            if (result.size() >= cap) {
                break;
            }
            if (!result.contains(name)) {
                result.add(name);
            }
        }
        return new Result(result.stream().sorted().toList(), queues.size() - result.size());
    }

    static Pattern globToRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }
}
