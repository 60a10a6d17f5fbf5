package dev.ballast.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The upstream response parser on its own, table-driven: every response is fed whole, one byte at a time, and split
 * in two at every position, from heap and from direct buffers, and must read the same each way.
 */
@DisplayName("upstream response parser (RFC 9112 framing)")
class UpstreamResponseParserTest {

    /** What a parse came to: the heads, the body, whether and how it ended, and the bytes left after the end. */
    private static final class Recorder implements UpstreamResponseParser.Sink {
        final List<String> heads = new ArrayList<>();
        final StringBuilder body = new StringBuilder();
        boolean ended;
        boolean endedWithBytes;
        final UpstreamResponseParser parser = new UpstreamResponseParser(this);

        @Override
        public void head(UpstreamResponseHead head) {
            assertThat(ended).as("nothing after the end").isFalse();
            StringBuilder text = new StringBuilder().append(head.status()).append(" [").append(head.reason())
                    .append("]");
            for (int i = 0; i < head.size(); i++) {
                text.append(" {").append(head.name(i)).append(": ").append(head.value(i)).append('}');
            }
            heads.add(text.toString());
        }

        @Override
        public void content(ByteBuf in, int index, int length, boolean last) {
            assertThat(ended).as("nothing after the end").isFalse();
            assertThat(heads).as("a head before any body").isNotEmpty();
            assertThat(length).isPositive();
            body.append(in.toString(index, length, StandardCharsets.ISO_8859_1));
            if (last) {
                ended = true;
                endedWithBytes = true;
            }
        }

        @Override
        public void end() {
            assertThat(ended).as("one end").isFalse();
            ended = true;
        }

        /** Feeds the parts in order; returns how many bytes were left unread after the response ended. */
        int feed(List<byte[]> parts, boolean direct) throws Exception {
            int left = 0;
            for (byte[] part : parts) {
                if (ended) {
                    left += part.length;
                    continue;
                }
                ByteBuf buf = direct ? Unpooled.directBuffer(part.length) : Unpooled.buffer(part.length);
                buf.writeBytes(part);
                try {
                    parser.feed(buf);
                    if (!ended) {
                        assertThat(buf.isReadable()).as("all read while the response goes on").isFalse();
                    }
                    left += buf.readableBytes();
                } finally {
                    buf.release();
                }
            }
            return left;
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Every way of cutting {@code input} that the tests use: whole, byte by byte, and in two at every position. */
    private static List<List<byte[]>> splits(byte[] input) {
        List<List<byte[]>> splits = new ArrayList<>();
        splits.add(List.of(input));
        List<byte[]> single = new ArrayList<>();
        for (byte b : input) {
            single.add(new byte[] {b});
        }
        splits.add(single);
        for (int at = 1; at < input.length; at++) {
            byte[] first = new byte[at];
            byte[] second = new byte[input.length - at];
            System.arraycopy(input, 0, first, 0, at);
            System.arraycopy(input, at, second, 0, second.length);
            splits.add(List.of(first, second));
        }
        return splits;
    }

    static Stream<Arguments> wellFormed() {
        return Stream.of(
                Arguments.of("fixed length", false,
                        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
                        "200 [OK] {Content-Length: 5} {Content-Type: text/plain}", "hello", true, false),
                Arguments.of("bare LF line ends", false,
                        "HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
                        "200 [OK] {Content-Length: 2}", "ok", true, false),
                Arguments.of("Content-Length: 0", false,
                        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                        "200 [OK] {Content-Length: 0}", "", true, false),
                Arguments.of("Content-Length repeated with one value", false,
                        "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\ncontent-length:3\r\n\r\nabc",
                        "200 [OK] {content-length: 3}", "abc", true, false),
                Arguments.of("line breaks before the status line are skipped", false,
                        "\r\n\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                        "200 [OK] {Content-Length: 2}", "ok", true, false),
                Arguments.of("HTTP/1.0 with Transfer-Encoding: read, never reused", false,
                        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
                        "200 [OK] {Connection: keep-alive} {Transfer-Encoding: chunked}", "ab", false, false),
                Arguments.of("chunked, with extensions and trailers", false,
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=\"v\"\r\nhello\r\n"
                                + "6 ; x\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n",
                        "200 [OK] {Transfer-Encoding: chunked}", "hello world0123456789", true, false),
                Arguments.of("chunked after gzip", false,
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
                        "200 [OK] {Transfer-Encoding: gzip, Chunked}", "ab", true, false),
                Arguments.of("Transfer-Encoding and Content-Length: the length is dropped, no reuse", false,
                        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
                                + "2\r\nab\r\n0\r\n\r\n",
                        "200 [OK] {Transfer-Encoding: chunked} {X-A: b}", "ab", false, false),
                Arguments.of("delimited by the close", false,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: 1\n\ndata: 2\n\n",
                        "200 [OK] {Content-Type: text/event-stream}", "data: 1\n\ndata: 2\n\n", false, true),
                Arguments.of("a transfer coding other than chunked: delimited by the close", false,
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz",
                        "200 [OK] {Transfer-Encoding: gzip}", "xyz", false, true),
                Arguments.of("HTTP/1.0 closes by default", false,
                        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
                        "200 [OK] {Content-Length: 2}", "ok", false, false),
                Arguments.of("HTTP/1.0 with keep-alive", false,
                        "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok",
                        "200 [OK] {Connection: Keep-Alive} {Content-Length: 2}", "ok", true, false),
                Arguments.of("Connection: close", false,
                        "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 2\r\n\r\nok",
                        "200 [OK] {Connection: keep-alive, close} {Content-Length: 2}", "ok", false, false),
                Arguments.of("a HEAD request's response has no body", true,
                        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
                        "200 [OK] {Content-Length: 100}", "", true, false),
                Arguments.of("a HEAD request's chunked response has no body", true,
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                        "200 [OK] {Transfer-Encoding: chunked}", "", true, false),
                Arguments.of("204 has no body", false,
                        "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
                        "204 [No Content] {Content-Length: 10}", "", true, false),
                Arguments.of("304 has no body", false,
                        "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
                        "304 [Not Modified] {ETag: \"x\"}", "", true, false),
                Arguments.of("interim responses are dropped", false,
                        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                                + "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx",
                        "201 [Created] {Content-Length: 1}", "x", true, false),
                Arguments.of("a custom reason with obs-text, an empty value, padding around name and value", false,
                        "HTTP/1.1 599 Model Overl\u00e4oaded\r\nX-Empty:\r\nX-Spaced :  a b \t\r\nContent-Length: 0\r\n\r\n",
                        "599 [Model Overl\u00e4oaded] {X-Empty: } {X-Spaced: a b} {Content-Length: 0}", "", true, false),
                Arguments.of("status line without reason", false,
                        "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "200 [] {Content-Length: 0}", "", true, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wellFormed")
    @DisplayName("well-formed responses read the same whole, byte by byte and split anywhere")
    void wellFormed(String name, boolean headRequest, String input, String head, String body, boolean keepAlive,
            boolean endsAtClose) throws Exception {
        for (boolean direct : new boolean[] {false, true}) {
            for (List<byte[]> parts : splits(bytes(input))) {
                Recorder recorder = new Recorder();
                recorder.parser.expect(headRequest);
                int left = recorder.feed(parts, direct);
                String how = parts.size() + " parts, direct " + direct;
                assertThat(left).as(how).isZero();
                if (endsAtClose) {
                    assertThat(recorder.ended).as(how).isFalse();
                    assertThat(recorder.parser.closed()).as(how).isTrue();
                }
                assertThat(recorder.ended).as(how).isTrue();
                assertThat(recorder.heads).as(how).containsExactly(head);
                assertThat(recorder.body.toString()).as(how).isEqualTo(body);
                assertThat(recorder.parser.keepAlive()).as(how).isEqualTo(keepAlive);
            }
        }
    }

    @Test
    @DisplayName("a response of known length read whole ends with its body (one write to the client)")
    void knownLengthEndsWithBody() throws Exception {
        Recorder recorder = new Recorder();
        recorder.feed(List.of(bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")), true);
        assertThat(recorder.endedWithBytes).isTrue();
    }

    @Test
    @DisplayName("bytes after the end of a response keep the connection from reuse and are not read")
    void bytesAfterTheEnd() throws Exception {
        Recorder recorder = new Recorder();
        int left = recorder.feed(List.of(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n")),
                false);
        assertThat(recorder.ended).isTrue();
        assertThat(recorder.body.toString()).isEqualTo("ok");
        assertThat(left).isEqualTo(17);
        assertThat(recorder.parser.keepAlive()).isFalse();
    }

    @Test
    @DisplayName("a stray line break after the end of a response does not stop reuse")
    void strayLineBreakAfterTheEnd() throws Exception {
        Recorder recorder = new Recorder();
        recorder.feed(List.of(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\r\n")), false);
        assertThat(recorder.ended).isTrue();
        assertThat(recorder.parser.keepAlive()).isTrue();
    }

    @Test
    @DisplayName("one parser reads one response after another on a kept-alive connection")
    void responsesInTurn() throws Exception {
        Recorder recorder = new Recorder();
        recorder.feed(List.of(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n")), false);
        assertThat(recorder.body.toString()).isEqualTo("a");
        assertThat(recorder.parser.keepAlive()).isTrue();

        recorder.ended = false; // the same connection's next call
        recorder.parser.expect(true);
        recorder.feed(List.of(bytes("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n")), false);
        assertThat(recorder.ended).as("a HEAD response ends with its head").isTrue();
        assertThat(recorder.body.toString()).isEqualTo("a");

        recorder.ended = false;
        recorder.parser.expect(false);
        recorder.feed(List.of(bytes("HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx")), false);
        assertThat(recorder.heads).containsExactly("200 [OK] {Transfer-Encoding: chunked}",
                "200 [OK] {Content-Length: 7}", "404 [Not Found] {Content-Length: 1}");
        assertThat(recorder.body.toString()).isEqualTo("ax");
        assertThat(recorder.parser.keepAlive()).isTrue();
    }

    @Test
    @DisplayName("a close before the end of a response is not an end")
    void closeCutsShort() throws Exception {
        for (String input : List.of("", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")) {
            Recorder recorder = new Recorder();
            recorder.feed(List.of(bytes(input)), false);
            assertThat(recorder.parser.closed()).as(input).isFalse();
            assertThat(recorder.ended).as(input).isFalse();
        }
    }

    static Stream<Arguments> malformed() {
        String big = "x".repeat(9000);
        return Stream.of(
                Arguments.of("conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
                Arguments.of("conflicting Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n"),
                Arguments.of("negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
                Arguments.of("Content-Length not a number", "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n"),
                Arguments.of("empty Content-Length", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"),
                Arguments.of("huge Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n"),
                Arguments.of("line folding", "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n"),
                Arguments.of("control character in a value", "HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\n\r\n"),
                Arguments.of("NUL in a value", "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n"),
                Arguments.of("DEL in a value", "HTTP/1.1 200 OK\r\nX-A: a\u007fb\r\n\r\n"),
                Arguments.of("CR alone in a value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n"),
                Arguments.of("name not a token", "HTTP/1.1 200 OK\r\nBad{Name: v\r\n\r\n"),
                Arguments.of("space in a name", "HTTP/1.1 200 OK\r\nBad Name: v\r\n\r\n"),
                Arguments.of("empty name", "HTTP/1.1 200 OK\r\n: v\r\n\r\n"),
                Arguments.of("no colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"),
                Arguments.of("status over 599", "HTTP/1.1 600 Odd\r\n\r\n"),
                Arguments.of("status under 100", "HTTP/1.1 099 Odd\r\n\r\n"),
                Arguments.of("two-digit status", "HTTP/1.1 20 OK\r\n\r\n"),
                Arguments.of("no space after the status", "HTTP/1.1 200OK\r\n\r\n"),
                Arguments.of("HTTP/2.0", "HTTP/2.0 200 OK\r\n\r\n"),
                Arguments.of("not HTTP", "hello\r\n\r\n"),
                Arguments.of("whitespace first", " HTTP/1.1 200 OK\r\n\r\n"),
                Arguments.of("control character in the reason", "HTTP/1.1 200 O\u0001K\r\n\r\n"),
                Arguments.of("chunked not last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
                Arguments.of("chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
                Arguments.of("bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
                Arguments.of("chunk size with junk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\n"),
                Arguments.of("chunk size too large", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n"),
                Arguments.of("chunk longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n"),
                Arguments.of("header section over 8 KiB", "HTTP/1.1 200 OK\r\nX-Big: " + big + "\r\n\r\n"),
                Arguments.of("head over its limit", "HTTP/1.1 200 OK\r\nX-Big: " + "y".repeat(13000)),
                Arguments.of("status line over 4 KiB", "HTTP/1.1 200 " + "z".repeat(5000) + "\r\n\r\n"),
                Arguments.of("trailers over 8 KiB", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: "
                        + big + "\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    @DisplayName("malformed responses are refused however they arrive, before any body byte is handed on")
    void malformed(String name, String input) {
        byte[] bytes = bytes(input);
        List<List<byte[]>> ways = bytes.length > 200 ? List.of(List.of(bytes), splits(bytes).get(1))
                : splits(bytes);
        for (List<byte[]> parts : ways) {
            Recorder recorder = new Recorder();
            assertThatThrownBy(() -> recorder.feed(parts, false)).as(parts.size() + " parts")
                    .isInstanceOf(UpstreamResponseParser.MalformedResponseException.class);
            assertThat(recorder.ended).isFalse();
            assertThat(recorder.body.length()).as("body bytes handed on").isLessThanOrEqualTo(3);
        }
    }
}
