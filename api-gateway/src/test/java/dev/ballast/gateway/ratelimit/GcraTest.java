package dev.ballast.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GcraTest {

    private static final long NOW = 1_000_000_000L;

    // 10/s is one request every 100 000 µs; a burst of 3 allows three back to back.
    private final Gcra gcra = new Gcra(Rate.parse("10/s"), 3);

    @ParameterizedTest(name = "stored TAT now{0}: allowed={1} remaining={2} retry-after={3}µs reset={4}µs")
    @DisplayName("one decision for a stored TAT relative to now (10/s, burst 3)")
    @CsvSource({
            // stored TAT offset, allowed, remaining, retry-after, reset
            "-5000000, true,  2, 0,      100000",   // idle key: full budget
            "0,        true,  2, 0,      100000",
            "100000,   true,  1, 0,      200000",   // one request in flight in the budget
            "200000,   true,  0, 0,      300000",   // the last of the burst
            "300000,   false, 0, 100000, 300000",   // budget spent: wait one interval
            "350000,   false, 0, 150000, 350000",
    })
    void decisionTable(long tatOffset, boolean allowed, long remaining, long retryAfter, long reset) {
        Gcra.Decision d = gcra.decide(NOW + tatOffset, NOW);

        assertThat(d.allowed()).isEqualTo(allowed);
        assertThat(d.remaining()).isEqualTo(remaining);
        assertThat(d.retryAfterMicros()).isEqualTo(retryAfter);
        assertThat(d.resetMicros()).isEqualTo(reset);
        assertThat(d.limit()).isEqualTo(3);
    }

    @Test
    void aDeniedRequestLeavesTheStoredTatUnchanged() {
        long stored = NOW + 300_000;

        assertThat(gcra.decide(stored, NOW).tat()).isEqualTo(stored);
    }

    @Test
    void aBurstIsAllowedAtOnceThenOneRequestPerInterval() {
        List<Boolean> outcomes = new ArrayList<>();
        long tat = 0;
        // Five requests at the same instant, then one every 50 ms for 300 ms.
        long[] times = {NOW, NOW, NOW, NOW, NOW, NOW + 50_000, NOW + 100_000, NOW + 150_000, NOW + 200_000,
                NOW + 250_000, NOW + 300_000};
        for (long t : times) {
            Gcra.Decision d = gcra.decide(tat, t);
            outcomes.add(d.allowed());
            tat = d.tat();
        }

        assertThat(outcomes).containsExactly(true, true, true, false, false, // burst of 3
                false, true, false, true, false, true);                     // then every 100 ms
    }

    @ParameterizedTest(name = "{0} µs -> {1} s")
    @CsvSource({"0, 0", "1, 1", "1000000, 1", "1000001, 2", "2500000, 3"})
    void headerSecondsRoundUpSoAClientThatWaitsIsNotRefused(long micros, long seconds) {
        assertThat(Gcra.Decision.seconds(micros)).isEqualTo(seconds);
    }

    @ParameterizedTest(name = "{0} -> every {1} µs")
    @CsvSource({"10/s, 100000", "600/m, 100000", "1/s, 1000000", "3600/h, 1000000", " 7 / s , 142857"})
    void ratesParseToTheirEmissionInterval(String text, long intervalMicros) {
        assertThat(Rate.parse(text).emissionIntervalMicros()).isEqualTo(intervalMicros);
    }

    @ParameterizedTest(name = "''{0}'' is refused")
    @CsvSource(value = {"10", "10/d", "ten/s", "-1/s", "0/s", "''"}, nullValues = "NULL")
    void malformedRatesAreRefusedWithTheAcceptedForms(String text) {
        assertThatThrownBy(() -> Rate.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} shared by {1} replicas -> {2}")
    @CsvSource({"10/s, 1, 10/s", "10/s, 3, 3/s", "600/m, 4, 150/m", "2/s, 5, 1/s"})
    void eachReplicaGetsItsShareOfTheRate(String rate, int replicas, String share) {
        assertThat(Rate.parse(rate).dividedAmong(replicas).toString()).isEqualTo(share);
    }

    @Test
    void aBurstBelowOneIsRefused() {
        assertThatThrownBy(() -> new Gcra(Rate.parse("1/s"), 0)).hasMessageContaining("burst must be at least 1");
    }
}
