package dev.ballast.simulator.generation;

/** The words the simulator "generates": deterministic filler so responses are readable and reproducible. */
final class Vocabulary {

    private static final String[] WORDS = (
            "the quick brown fox jumps over a lazy dog while ballast keeps every inference server steady "
                    + "under load and the gateway spreads requests across warm replicas so that tokens keep flowing")
            .split(" ");

    private Vocabulary() {
    }

    /** The i-th token: the first has no leading space, like a real tokenizer's first word piece. */
    static String token(int index) {
        String word = WORDS[index % WORDS.length];
        return index == 0 ? word : " " + word;
    }
}
