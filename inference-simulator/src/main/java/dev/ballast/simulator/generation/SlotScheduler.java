package dev.ballast.simulator.generation;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A fixed number of generation slots with a bounded FIFO waiting queue, like vLLM's
 * {@code --max-num-seqs} running batch and its waiting queue (or Ollama's OLLAMA_NUM_PARALLEL and
 * OLLAMA_MAX_QUEUE). Confined to one event loop; the counts may be read from any thread.
 */
public final class SlotScheduler {

    private final int slots;
    private final int maxQueue;
    private final Deque<Ticket> waiting = new ArrayDeque<>();
    private volatile int running;
    private volatile int queued;

    public SlotScheduler(int slots, int maxQueue) {
        this.slots = slots;
        this.maxQueue = maxQueue;
    }

    /**
     * Starts the ticket now when a slot is free (its start action runs before this returns), else queues it
     * behind earlier requests.
     *
     * @return false when the queue is full: the caller rejects the request, the ticket is done
     */
    public boolean admit(Ticket ticket) {
        if (running < slots && waiting.isEmpty()) {
            start(ticket);
            return true;
        }
        if (waiting.size() >= maxQueue) {
            ticket.state = State.DONE;
            return false;
        }
        waiting.addLast(ticket);
        queued = waiting.size();
        return true;
    }

    /** Ends the ticket's work wherever it is (queued, running); idempotent. A freed slot goes to the oldest waiter. */
    public void finish(Ticket ticket) {
        switch (ticket.state) {
            case QUEUED -> {
                waiting.remove(ticket);
                queued = waiting.size();
            }
            case RUNNING -> {
                running--;
                Ticket next = waiting.pollFirst();
                queued = waiting.size();
                if (next != null) {
                    start(next);
                }
            }
            case DONE -> {
                return;
            }
        }
        ticket.state = State.DONE;
    }

    private void start(Ticket ticket) {
        running++;
        ticket.state = State.RUNNING;
        ticket.onStart.run();
    }

    public int slots() {
        return slots;
    }

    public int running() {
        return running;
    }

    public int queued() {
        return queued;
    }

    /** vLLM's KV-cache usage stand-in: the share of slots in use, 0..1. */
    public double usage() {
        return (double) running / slots;
    }

    enum State { QUEUED, RUNNING, DONE }

    /** One request's place in the scheduler; created before admission so the holder can always finish it. */
    public static final class Ticket {
        private final Runnable onStart;
        private State state = State.QUEUED;

        /** @param onStart runs on the scheduler's event loop when the ticket gets a slot */
        public Ticket(Runnable onStart) {
            this.onStart = onStart;
        }

        public boolean running() {
            return state == State.RUNNING;
        }
    }
}
