package dev.ballast.lb.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("the EDF schedule picks exactly what a scan for the earliest (deadline, insertion order) picks")
class EdfScheduleTest {

    /**
     * Envoy's rule written the slowest way: every pick scans all peers for the earliest deadline, ties to the one
     * inserted first, moves the clock there and re-inserts the peer at clock + 1/weight. The schedule must agree pick
     * by pick, with weights that change at every pick (as least-request's do) and with many equal deadlines (equal
     * weights, as at start).
     */
    @ParameterizedTest(name = "{0} peers")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 16, 17, 21, 100, 129})
    void matchesALinearScanPickForPick(int peers) {
        SplittableRandom random = new SplittableRandom(peers);
        for (boolean equalWeights : new boolean[] {true, false}) {
            double[] weights = new double[peers];
            for (int i = 0; i < peers; i++) {
                weights[i] = equalWeights ? 1.0 : 1 + random.nextInt(5);
            }
            EdfSchedule heap = new EdfSchedule(weights);
            LinearScan scan = new LinearScan(weights);
            for (int pick = 0; pick < 20_000; pick++) {
                int expected = scan.next();
                assertThat(heap.next()).as("pick %d (equal weights: %s)", pick, equalWeights).isEqualTo(expected);
                // small integer weights, often repeated, so equal deadlines keep occurring
                double weight = equalWeights ? 1.0 : 1 + random.nextInt(3);
                assertThat(heap.advance(weight)).isEqualTo(expected);
                scan.advance(expected, weight);
            }
        }
    }

    /**
     * Least-request's pattern: each peer usually comes back with its own configured weight (its lane), sometimes
     * with that weight lowered by requests in flight (the heap), and sometimes with another peer's weight, which
     * can fill a lane past the number of peers it was sized for. Lanes and heap together must still pick exactly
     * what the linear scan picks, and {@code advanceUsual} must re-insert exactly as {@code advance} with the peer's
     * own weight does.
     */
    @ParameterizedTest(name = "{0} peers")
    @ValueSource(ints = {1, 2, 3, 7, 16, 100, 257})
    void lanesAndHeapTogetherMatchALinearScan(int peers) {
        SplittableRandom random = new SplittableRandom(31L * peers);
        for (int distinct : new int[] {1, 3, EdfSchedule.MAX_LANES + 2}) {
            double[] configured = new double[peers];
            for (int i = 0; i < peers; i++) {
                configured[i] = 1 + random.nextInt(distinct);
            }
            double[] initial = new double[peers];
            for (int i = 0; i < peers; i++) {
                initial[i] = random.nextInt(4) == 0 ? configured[i] / 2 : configured[i]; // some busy at build time
            }
            EdfSchedule schedule = new EdfSchedule(initial, configured);
            LinearScan scan = new LinearScan(initial);
            for (int pick = 0; pick < 20_000; pick++) {
                int expected = scan.next();
                assertThat(schedule.next()).as("pick %d (%d weights)", pick, distinct).isEqualTo(expected);
                int roll = random.nextInt(10);
                double weight = roll < 7 ? configured[expected]
                        : roll < 9 ? configured[expected] / (2 + random.nextInt(3)) // requests in flight
                        : configured[random.nextInt(peers)]; // another peer's lane
                // its own weight either way: given, or taken from its lane without dividing
                assertThat(roll < 4 ? schedule.advanceUsual() : schedule.advance(weight)).isEqualTo(expected);
                scan.advance(expected, weight);
            }
        }
    }

    /** Envoy's rule the slowest way: each pick scans every peer for the earliest (deadline, insertion order). */
    private static final class LinearScan {
        private final double[] deadline;
        private final long[] order;
        private long nextOrder;

        /** Every peer inserted at clock 0 in index order, at 1/weight. */
        LinearScan(double[] weights) {
            deadline = new double[weights.length];
            order = new long[weights.length];
            for (int i = 0; i < weights.length; i++) {
                deadline[i] = 1.0 / weights[i];
                order[i] = nextOrder++;
            }
        }

        int next() {
            int earliest = 0;
            for (int i = 1; i < deadline.length; i++) {
                if (deadline[i] < deadline[earliest]
                        || (deadline[i] == deadline[earliest] && order[i] < order[earliest])) {
                    earliest = i;
                }
            }
            return earliest;
        }

        /** The clock moves to the taken peer's deadline, and it is re-inserted at clock + 1/weight. */
        void advance(int taken, double weight) {
            deadline[taken] = deadline[taken] + 1.0 / weight;
            order[taken] = nextOrder++;
        }
    }
}
