package dev.ballast.simulator.generation;

/** Where a {@link Generation} delivers its tokens; one implementation per wire protocol and streaming mode. */
public interface TokenSink {

    /** Called once, when the first token is ready (prefill done). */
    void firstToken(GenerationTimes times);

    /** Called for each generated token, in order. */
    void token(String text);

    /** Called once after the last token; the sink writes the end of the response. */
    void done(GenerationTimes times);
}
