package dev.ballast.simulator.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Slots and the FIFO waiting queue")
class SlotSchedulerTest {

    private final List<String> started = new ArrayList<>();

    @Test
    void requests_start_at_once_while_slots_are_free() {
        SlotScheduler scheduler = new SlotScheduler(2, 5);

        scheduler.admit(ticket("a"));
        scheduler.admit(ticket("b"));

        assertThat(started).containsExactly("a", "b");
        assertThat(scheduler.running()).isEqualTo(2);
        assertThat(scheduler.queued()).isZero();
        assertThat(scheduler.usage()).isEqualTo(1.0);
    }

    @Test
    void freed_slots_go_to_waiters_in_arrival_order() {
        SlotScheduler scheduler = new SlotScheduler(1, 5);
        SlotScheduler.Ticket a = ticket("a");
        SlotScheduler.Ticket b = ticket("b");
        scheduler.admit(a);
        scheduler.admit(b);
        scheduler.admit(ticket("c"));
        assertThat(scheduler.queued()).isEqualTo(2);

        scheduler.finish(a);
        assertThat(started).containsExactly("a", "b");
        scheduler.finish(b);

        assertThat(started).containsExactly("a", "b", "c");
        assertThat(scheduler.running()).isEqualTo(1);
        assertThat(scheduler.queued()).isZero();
    }

    @Test
    void a_full_queue_refuses_further_requests() {
        SlotScheduler scheduler = new SlotScheduler(1, 1);
        scheduler.admit(ticket("a"));
        scheduler.admit(ticket("b"));

        boolean admitted = scheduler.admit(ticket("c"));

        assertThat(admitted).isFalse();
        assertThat(started).containsExactly("a");
    }

    @Test
    void a_waiter_that_leaves_never_starts_and_finishing_twice_changes_nothing() {
        SlotScheduler scheduler = new SlotScheduler(1, 5);
        SlotScheduler.Ticket a = ticket("a");
        SlotScheduler.Ticket b = ticket("b");
        scheduler.admit(a);
        scheduler.admit(b);
        scheduler.admit(ticket("c"));

        scheduler.finish(b);
        scheduler.finish(a);
        scheduler.finish(a);

        assertThat(started).containsExactly("a", "c");
        assertThat(scheduler.running()).isEqualTo(1);
        assertThat(scheduler.queued()).isZero();
    }

    @Test
    void a_queue_limit_of_zero_means_no_waiting_at_all() {
        SlotScheduler scheduler = new SlotScheduler(1, 0);
        scheduler.admit(ticket("a"));

        assertThat(scheduler.admit(ticket("b"))).isFalse();
    }

    private SlotScheduler.Ticket ticket(String name) {
        return new SlotScheduler.Ticket(() -> started.add(name));
    }
}
