package dev.ballast.simulator.generation;

import java.util.function.BiConsumer;

/** The non-streaming sink of every protocol: gathers the tokens and hands over the whole text at the end. */
public final class WholeAnswer implements TokenSink {

    private final StringBuilder text = new StringBuilder();
    private final BiConsumer<String, GenerationTimes> onDone;

    /** @param onDone writes the protocol's single response from the full text */
    public WholeAnswer(BiConsumer<String, GenerationTimes> onDone) {
        this.onDone = onDone;
    }

    @Override
    public void firstToken(GenerationTimes times) {
    }

    @Override
    public void token(String token) {
        text.append(token);
    }

    @Override
    public void done(GenerationTimes times) {
        onDone.accept(text.toString(), times);
    }
}
