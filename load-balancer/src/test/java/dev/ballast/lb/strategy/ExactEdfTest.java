package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("the exact EDF schedule picks what a scan for the earliest exact deadline picks, replaying or not")
class ExactEdfTest {

    /**
     * Pick for pick against the slowest reading of the rule, under loads that keep the schedule replaying, keep it
     * on the heap, and move it between the two (a small rebase threshold makes rebases happen in both). Without a
     * rebase, every peer's numerator is also the scan's now and then.
     */
    @ParameterizedTest(name = "weights {0}, load {1}")
    @CsvSource({
            "1 2 3 x 34, idle",
            "1 2 3 x 34, light",
            "1 2 3 x 34, heavy",
            "1 2 3 x 34, bursts",
            "5 1 1, bursts",
            "1 1000 7 x 3, bursts",
            "1000 999 x 70, bursts", // a period above MAX_PERIOD: the heap only
            "1 x 3, light",
            "2 1, bursts", // a period of 3: a move back to the walk often resumes at the start of a period
            "2 x 7 1 x 5 3 x 2, bursts"})
    void matchesALinearScanOfExactDeadlines(String weights, String load) {
        int[] w = weights(weights);
        ExactEdf.Period period = ExactEdf.Period.of(w);
        SplittableRandom random = new SplittableRandom(weights.hashCode() * 31L + load.hashCode());
        for (long rebaseAt : new long[] {ExactEdf.REBASE_AT, 500}) {
            ExactEdf schedule = new ExactEdf(w, period, rebaseAt);
            LinearScan scan = new LinearScan(w);
            int switches = 0;
            boolean wasReplaying = schedule.replaying();
            for (int pick = 0; pick < 60_000; pick++) {
                int expected = scan.next();
                assertThat(schedule.next()).as("pick %d (%s load, rebase at %d)", pick, load, rebaseAt)
                        .isEqualTo(expected);
                long steps = 1 + inFlight(load, pick, random);
                schedule.advance(steps);
                scan.advance(expected, steps);
                if (rebaseAt == ExactEdf.REBASE_AT && pick % 997 == 0) {
                    // without a rebase every deadline is the scan's, also a busy peer's between its skipped occurrences
                    for (int i = 0; i < w.length; i++) {
                        assertThat(schedule.numerator(i)).as("peer %d's numerator after pick %d", i, pick)
                                .isEqualTo(scan.next[i]);
                    }
                }
                if (schedule.replaying() != wasReplaying) {
                    switches++;
                    wasReplaying = schedule.replaying();
                }
            }
            if (period == null) {
                assertThat(schedule.replaying()).isFalse();
            } else if (load.equals("bursts")) {
                assertThat(switches).as("moves between replay and heap").isGreaterThan(4);
            } else {
                assertThat(schedule.replaying()).as("replaying under %s load", load).isEqualTo(!load.equals("heavy"));
                // idle or light: no walk ever hit its limit; heavy: one move to the heap, and it stayed there
                assertThat(schedule.heapMoves()).as("moves to the heap").isEqualTo(load.equals("heavy") ? 1 : 0);
            }
        }
    }

    /** Idle: the steps are 1; light: 1 or 2 in flight now and then; heavy: 100–199; bursts: heavy and idle in turn. */
    private static long inFlight(String load, int pick, SplittableRandom random) {
        return switch (load) {
            case "idle" -> 0;
            case "light" -> random.nextInt(8) == 0 ? 1 + random.nextInt(2) : 0;
            case "heavy" -> 100 + random.nextInt(100);
            case "bursts" -> (pick / 3_000) % 2 == 0 ? random.nextInt(3)
                    : random.nextInt(50) == 0 ? 5_000 : 100 + random.nextInt(100);
            default -> throw new IllegalArgumentException(load);
        };
    }

    /**
     * Every peer idle: the order is what Envoy's rule (earliest deadline, ties to the entry inserted first) gives
     * with exact deadlines. (Envoy's doubles give the same only where their sums are exact, as with 4 2 1.)
     */
    @ParameterizedTest(name = "weights {0}")
    @CsvSource({"4 2 1", "1 2 3 x 34", "5 1 1", "3 3 2 2 1", "1 7 x 3 2 x 4", "6 4 3"})
    void idleOrderIsEnvoysFirstInsertedFirstOrder(String weights) {
        int[] w = weights(weights);
        ExactEdf schedule = new ExactEdf(w, ExactEdf.Period.of(w));
        LinearScan envoy = new LinearScan(w, true);
        for (int pick = 0; pick < 5_000; pick++) {
            int expected = envoy.next();
            assertThat(schedule.next()).as("pick %d", pick).isEqualTo(expected);
            schedule.advance(1);
            envoy.advance(expected, 1);
        }
    }

    @Test
    void weights421RepeatEnvoysSequence() {
        int[] w = {4, 2, 1};
        ExactEdf schedule = new ExactEdf(w, ExactEdf.Period.of(w));
        List<Integer> picks = new ArrayList<>();
        for (int pick = 0; pick < 14; pick++) {
            picks.add(schedule.next());
            schedule.advance(1);
        }
        // deadlines: a 1/4 2/4 3/4 1, b 1/2 1, c 1; at 1/2 b was in first, at 1 c, then b, then a
        assertThat(picks).containsExactly(0, 1, 0, 0, 2, 1, 0, 0, 1, 0, 0, 2, 1, 0);
    }

    @Test
    void aPeriodAboveTheLimitIsNotTabled() {
        assertThat(ExactEdf.Period.of(new int[] {ExactEdf.MAX_PERIOD, 1})).isNull();
        assertThat(ExactEdf.Period.of(new int[0])).isNull();
        assertThat(ExactEdf.Period.of(new int[] {ExactEdf.MAX_PERIOD - 1, 1}).length()).isEqualTo(ExactEdf.MAX_PERIOD);
    }

    /** "2 x 3 5" is 2 2 2 5. */
    static int[] weights(String spec) {
        List<Integer> out = new ArrayList<>();
        String[] parts = spec.trim().split(" +");
        for (int k = 0; k < parts.length; k++) {
            if (k + 2 < parts.length && parts[k + 1].equals("x")) {
                for (int r = Integer.parseInt(parts[k + 2]); r > 0; r--) {
                    out.add(Integer.parseInt(parts[k]));
                }
                k += 2;
            } else {
                out.add(Integer.parseInt(parts[k]));
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The rule the slowest way: scan for the least deadline next[i] / w[i] (cross-multiplied). Ties: the smaller
     * weight, then the lower index (ours), or the entry inserted first (Envoy's, {@code fifo}).
     */
    private static final class LinearScan {
        final int[] weight;
        final long[] next;
        final boolean fifo;
        /** When each peer's entry went in (fifo): index order at the start, then the order of the picks. */
        final long[] order;
        long nextOrder;

        LinearScan(int[] weights) {
            this(weights, false);
        }

        LinearScan(int[] weights, boolean fifo) {
            weight = weights;
            this.fifo = fifo;
            next = new long[weights.length];
            order = new long[weights.length];
            for (int i = 0; i < weights.length; i++) {
                next[i] = 1;
                order[i] = nextOrder++;
            }
        }

        int next() {
            int best = 0;
            for (int i = 1; i < next.length; i++) {
                long left = next[i] * weight[best];
                long right = next[best] * weight[i];
                boolean tieFirst = fifo ? order[i] < order[best] : weight[i] < weight[best];
                if (left < right || (left == right && tieFirst)) {
                    best = i;
                }
            }
            return best;
        }

        void advance(int taken, long steps) {
            next[taken] += steps;
            order[taken] = nextOrder++;
        }
    }
}
