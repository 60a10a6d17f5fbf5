package dev.ballast.lb;

import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/** Randomness for random and least-request; injectable so distribution tests are reproducible. */
public interface RandomSource {

    /** Uniform in [0, bound). */
    int nextInt(int bound);

    /** Uniform in [0, bound). */
    long nextLong(long bound);

    /** 64 uniform random bits. */
    long nextLong();

    /** Contention-free per-thread randomness: the production choice. */
    static RandomSource threadLocal() {
        return ThreadLocalSource.INSTANCE;
    }

    /** Reproducible sequence for tests (thread-safe, but contended). */
    static RandomSource seeded(long seed) {
        Random random = new Random(seed);
        return new RandomSource() {
            @Override
            public int nextInt(int bound) {
                return random.nextInt(bound);
            }

            @Override
            public long nextLong(long bound) {
                return random.longs(1, 0, bound).iterator().nextLong();
            }

            @Override
            public long nextLong() {
                return random.nextLong();
            }
        };
    }

    /** The singleton behind {@link #threadLocal()}. */
    final class ThreadLocalSource implements RandomSource {
        static final ThreadLocalSource INSTANCE = new ThreadLocalSource();

        private ThreadLocalSource() {
        }

        @Override
        public int nextInt(int bound) {
            return ThreadLocalRandom.current().nextInt(bound);
        }

        @Override
        public long nextLong(long bound) {
            return ThreadLocalRandom.current().nextLong(bound);
        }

        @Override
        public long nextLong() {
            return ThreadLocalRandom.current().nextLong();
        }
    }
}
