package dev.ballast.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.AsciiString;
import io.netty.util.ByteProcessor;

import java.io.IOException;
import java.util.Arrays;

/**
 * Reads the HTTP/1.1 responses of one upstream connection (RFC 9112), one at a time as the proxy sends one request at
 * a time. It replaces Netty's response decoder on the proxy path: that one builds a String per header name and value
 * and a header map, which the proxy then copied into the client response (the decoder and the copy were 4.5 % of the
 * gateway's CPU, async-profiler, session 7). Here a head is copied once into a byte array and handed over as ASCII
 * views (see {@link UpstreamResponseHead}); body bytes are handed over where they lie in the read buffer.
 * <p>
 * Framing, RFC 9112 §6.3: no body after a HEAD request and for 1xx, 204 and 304; otherwise Transfer-Encoding with
 * chunked last means chunked (a Content-Length next to it is dropped and the connection is not reused), any other
 * Transfer-Encoding or neither header means the body runs until the upstream closes; else Content-Length, whose
 * values must all agree. Interim responses (1xx but 101) are read and dropped. Whatever a client could not safely
 * receive makes the response malformed (the proxy answers 502): a status line or header section over its limit,
 * a status outside 100–599, a header name that is not a token, a control character in a value or the reason, line
 * folding, a bad Content-Length or chunk size, chunked that is not the last encoding. Bytes after the end of a
 * response (the proxy sent no second request) keep the connection from being reused.
 * <p>
 * Confined to the connection's event loop.
 */
final class UpstreamResponseParser {

    /** Netty's limits on the same path before, kept: the status line, and the header section (and trailers). */
    static final int MAX_STATUS_LINE = 4096;
    static final int MAX_HEADER_SECTION = 8192;
    private static final int MAX_CHUNK_LINE = 4096;
    private static final int MAX_HEAD = MAX_STATUS_LINE + MAX_HEADER_SECTION + 4; // and their CR LFs
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    /** Where the parsed parts go; called during {@link #feed} (and {@link #closed}). */
    interface Sink {
        /** A final head (never an interim one). */
        void head(UpstreamResponseHead head);

        /**
         * Body bytes: {@code in} from {@code index}, {@code length} bytes, valid only during the call. {@code last}
         * when the response ends with them.
         */
        void content(ByteBuf in, int index, int length, boolean last);

        /** The response ended without body bytes to go with the end. */
        void end();
    }

    /** The upstream sent something that is not a well-formed HTTP/1.1 response. */
    static final class MalformedResponseException extends IOException {
        MalformedResponseException(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // reported as a 502 and a metric; the message says what was wrong
        }
    }

    private enum State { HEAD, FIXED, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE }

    /** RFC 9110 tchar. */
    private static final boolean[] TOKEN = new boolean[256];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TOKEN[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TOKEN[c] = true;
            TOKEN[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TOKEN[c] = true;
        }
    }

    private static final AsciiString[] NO_FIELDS = new AsciiString[0];
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");

    private final Sink sink;
    private State state = State.HEAD;
    private boolean headRequest;

    // The head being read when it spans reads.
    private final HeadEnd headEnd = new HeadEnd();
    private byte[] pending = new byte[256];
    private int pendingLength;

    // The line being read (chunk sizes, chunk ends, trailers).
    private byte[] line = new byte[64];
    private int lineLength;
    private int trailerBytes;

    // What the current head said.
    private int status;
    private boolean keepAlive;
    private long remaining;
    private int[] bounds = new int[64];

    UpstreamResponseParser(Sink sink) {
        this.sink = sink;
    }

    /** The next response answers a HEAD request (so it has no body, whatever its headers say). */
    void expect(boolean head) {
        headRequest = head;
    }

    /** Whether the connection may carry another request: meaningful once a response ended. */
    boolean keepAlive() {
        return keepAlive;
    }

    /**
     * The connection closed. Returns true when that ended the response normally (a body delimited by the close),
     * having told the sink; false when the response was cut short or had not started.
     */
    boolean closed() {
        if (state != State.UNTIL_CLOSE) {
            return false;
        }
        state = State.HEAD;
        keepAlive = false;
        sink.end();
        return true;
    }

    /** Reads what {@code in} holds (it stays the caller's to release); returns at the end of a response. */
    void feed(ByteBuf in) throws MalformedResponseException {
        while (in.isReadable()) {
            switch (state) {
                case HEAD -> {
                    if (!head(in)) {
                        return;
                    }
                    if (state == State.FIXED && remaining == 0) {
                        finish(in, 0, 0); // no body (HEAD, 204, 304, Content-Length: 0), perhaps no byte after it
                        return;
                    }
                }
                case FIXED -> {
                    int index = in.readerIndex();
                    int n = take(in);
                    if (remaining == 0) {
                        finish(in, index, n);
                        return;
                    }
                    sink.content(in, index, n, false);
                }
                case UNTIL_CLOSE -> {
                    int n = in.readableBytes();
                    int index = in.readerIndex();
                    in.skipBytes(n);
                    sink.content(in, index, n, false);
                }
                case CHUNK_SIZE -> {
                    int length = line(in, MAX_CHUNK_LINE, "chunk size line");
                    if (length < 0) {
                        return;
                    }
                    remaining = chunkSize(length);
                    if (remaining == 0) {
                        trailerBytes = 0;
                        state = State.TRAILERS;
                    } else {
                        state = State.CHUNK_DATA;
                    }
                }
                case CHUNK_DATA -> {
                    int index = in.readerIndex();
                    int n = take(in);
                    if (remaining == 0) {
                        state = State.CHUNK_END;
                    }
                    sink.content(in, index, n, false);
                }
                case CHUNK_END -> {
                    int length = line(in, MAX_CHUNK_LINE, "chunk end");
                    if (length < 0) {
                        return;
                    }
                    if (length != 0) {
                        throw new MalformedResponseException("chunk data longer than its size");
                    }
                    state = State.CHUNK_SIZE;
                }
                case TRAILERS -> {
                    int length = line(in, MAX_HEADER_SECTION, "trailer section");
                    if (length < 0) {
                        return;
                    }
                    if (length == 0) {
                        finish(in, 0, 0);
                        return;
                    }
                    trailerBytes += length + 2;
                    if (trailerBytes > MAX_HEADER_SECTION) {
                        throw new MalformedResponseException("trailer section over " + MAX_HEADER_SECTION + " bytes");
                    }
                    // Trailers are not forwarded (the client response's trailers are not part of the proxy path).
                }
            }
        }
    }

    /** Takes up to {@link #remaining} body bytes from {@code in}; returns how many. */
    private int take(ByteBuf in) {
        int n = (int) Math.min(remaining, in.readableBytes());
        in.skipBytes(n);
        remaining -= n;
        return n;
    }

    /** The response ended; the sink hears it with the body's last bytes, if any came with the end. */
    private void finish(ByteBuf in, int index, int length) {
        state = State.HEAD;
        // Bytes after the end answer no request of ours: the connection is not reused (stray line breaks aside).
        keepAlive &= onlyLineBreaks(in);
        if (length > 0) {
            sink.content(in, index, length, true);
        } else {
            sink.end();
        }
    }

    /** Reads (the rest of) a head; false when it needs more bytes. */
    private boolean head(ByteBuf in) throws MalformedResponseException {
        if (pendingLength == 0) {
            // Line breaks before a status line (some servers end a body with a stray CR LF) are skipped, as Netty's
            // decoder did.
            int first = in.forEachByte(NOT_LINE_BREAK);
            if (first < 0) {
                in.skipBytes(in.readableBytes());
                return false;
            }
            in.readerIndex(first);
        }
        int start = in.readerIndex();
        int limit = Math.min(in.readableBytes(), MAX_HEAD - pendingLength);
        int end = in.forEachByte(start, limit, headEnd);
        byte[] bytes;
        if (end < 0) {
            if (limit < in.readableBytes() || pendingLength + limit >= MAX_HEAD) {
                throw new MalformedResponseException("response head over " + MAX_HEAD + " bytes");
            }
            pending = append(pending, pendingLength, in, start, limit);
            pendingLength += limit;
            in.skipBytes(limit);
            return false;
        }
        int length = end + 1 - start;
        if (pendingLength == 0) {
            bytes = new byte[length];
            in.getBytes(start, bytes);
        } else {
            bytes = Arrays.copyOf(pending, pendingLength + length);
            in.getBytes(start, bytes, pendingLength, length);
            pendingLength = 0;
        }
        in.skipBytes(length);
        headEnd.reset();
        parseHead(bytes);
        return true;
    }

    private static final ByteProcessor NOT_LINE_BREAK = b -> b == CR || b == LF;

    /** Whether {@code in} holds nothing but CR and LF bytes (or nothing). */
    static boolean onlyLineBreaks(ByteBuf in) {
        return !in.isReadable() || in.forEachByte(NOT_LINE_BREAK) < 0;
    }

    private static byte[] append(byte[] to, int at, ByteBuf in, int index, int length) {
        if (at + length > to.length) {
            to = Arrays.copyOf(to, Math.max(to.length * 2, at + length));
        }
        in.getBytes(index, to, at, length);
        return to;
    }

    /** Finds the empty line that ends a head: LF, optionally CR LF, after a non-empty line. */
    private static final class HeadEnd implements ByteProcessor {
        /** Bytes on the current line so far; starts above 0 so that the head cannot start with its end. */
        private int lineLength = 1;
        private boolean cr;

        @Override
        public boolean process(byte value) {
            if (value == LF) {
                if (lineLength - (cr ? 1 : 0) == 0) {
                    return false;
                }
                lineLength = 0;
                cr = false;
                return true;
            }
            lineLength++;
            cr = value == CR;
            return true;
        }

        void reset() {
            lineLength = 1;
            cr = false;
        }
    }

    private void parseHead(byte[] h) throws MalformedResponseException {
        int lineEnd = indexOf(h, 0, LF);
        int end = withoutCr(h, 0, lineEnd);
        if (end > MAX_STATUS_LINE) {
            throw new MalformedResponseException("status line over " + MAX_STATUS_LINE + " bytes");
        }
        boolean http10 = statusLine(h, end);
        AsciiString reason = end > 13 ? new AsciiString(h, 13, end - 13, false) : AsciiString.EMPTY_STRING;
        int pos = lineEnd + 1;
        int headerStart = pos;
        int count = 0;
        long contentLength = -1;
        boolean transferEncoding = false;
        boolean chunked = false;
        boolean close = http10;
        int contentLengthFields = 0;
        boolean contentLengthList = false;
        while (true) {
            lineEnd = indexOf(h, pos, LF);
            end = withoutCr(h, pos, lineEnd);
            if (end == pos) {
                break;
            }
            if (lineEnd + 1 - headerStart > MAX_HEADER_SECTION) {
                throw new MalformedResponseException("header section over " + MAX_HEADER_SECTION + " bytes");
            }
            if (h[pos] == ' ' || h[pos] == '\t') {
                throw new MalformedResponseException("obsolete line folding in a header");
            }
            int colon = indexOf(h, pos, end, (byte) ':');
            if (colon < 0) {
                throw new MalformedResponseException("a header line without a colon");
            }
            int nameEnd = colon;
            while (nameEnd > pos && (h[nameEnd - 1] == ' ' || h[nameEnd - 1] == '\t')) {
                nameEnd--; // RFC 9112 §5.1: a proxy removes whitespace before the colon of a response field
            }
            if (nameEnd == pos) {
                throw new MalformedResponseException("a header with an empty name");
            }
            for (int i = pos; i < nameEnd; i++) {
                if (!TOKEN[h[i] & 0xff]) {
                    throw new MalformedResponseException("a header name with a character outside a token");
                }
            }
            int valueStart = colon + 1;
            while (valueStart < end && (h[valueStart] == ' ' || h[valueStart] == '\t')) {
                valueStart++;
            }
            int valueEnd = end;
            while (valueEnd > valueStart && (h[valueEnd - 1] == ' ' || h[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            checkText(h, valueStart, valueEnd, "a header value");
            int nameLength = nameEnd - pos;
            if (nameLength == 14 && equalsIgnoreCase(h, pos, "content-length")) {
                contentLength = contentLength(h, valueStart, valueEnd, contentLength);
                contentLengthFields++;
                contentLengthList |= indexOf(h, valueStart, valueEnd, (byte) ',') >= 0;
            } else if (nameLength == 17 && equalsIgnoreCase(h, pos, "transfer-encoding")) {
                if (chunked) {
                    throw new MalformedResponseException("chunked is not the last transfer coding");
                }
                transferEncoding = true;
                chunked = lastCodingIsChunked(h, valueStart, valueEnd);
            } else if (nameLength == 10 && equalsIgnoreCase(h, pos, "connection")) {
                close = connectionCloses(h, valueStart, valueEnd, close);
            }
            if (2 * count + 4 > bounds.length) {
                bounds = Arrays.copyOf(bounds, bounds.length * 2);
            }
            bounds[2 * count] = pos | nameLength << 16;
            bounds[2 * count + 1] = valueStart | (valueEnd - valueStart) << 16;
            count++;
            pos = lineEnd + 1;
        }
        keepAlive = !close;
        if (status < 200 && status != 101) {
            return; // interim (100 Continue, 103 Early Hints): dropped, the final head follows
        }
        boolean noBody = headRequest || status == 204 || status == 304 || status < 200;
        if (status == 101) {
            keepAlive = false; // the connection speaks another protocol now; nothing more of ours goes over it
        }
        if (transferEncoding) {
            // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length, which is removed before forwarding; such a
            // message may be a smuggling attempt, so the connection is not trusted with another request.
            if (contentLengthFields > 0 || http10) {
                keepAlive = false; // and HTTP/1.0 has no Transfer-Encoding (RFC 9112 §6.1): faulty framing
            }
            contentLength = -1;
        }
        // Repeated Content-Length fields (or a list) of one value go on as one field (RFC 9110 §8.6), none at all
        // next to Transfer-Encoding.
        boolean rewriteLength = transferEncoding || contentLengthFields > 1 || contentLengthList;
        sink.head(new UpstreamResponseHead(status, reason, fields(h, count, rewriteLength, contentLength)));
        if (noBody) {
            state = State.FIXED;
            remaining = 0;
        } else if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (transferEncoding || contentLength < 0) {
            keepAlive = false;
            state = State.UNTIL_CLOSE;
        } else {
            state = State.FIXED;
            remaining = contentLength;
        }
    }

    /**
     * The head's fields as views; with {@code rewriteLength} every Content-Length field is left out and, when
     * {@code length} is not negative, one Content-Length field with it goes last.
     */
    private AsciiString[] fields(byte[] h, int count, boolean rewriteLength, long length) {
        if (count == 0) {
            return NO_FIELDS;
        }
        AsciiString[] fields = new AsciiString[2 * count + (rewriteLength && length >= 0 ? 2 : 0)];
        int n = 0;
        for (int i = 0; i < count; i++) {
            int name = bounds[2 * i];
            int value = bounds[2 * i + 1];
            int nameLength = name >>> 16;
            if (rewriteLength && nameLength == 14 && equalsIgnoreCase(h, name & 0xffff, "content-length")) {
                continue;
            }
            fields[n++] = new AsciiString(h, name & 0xffff, nameLength, false);
            fields[n++] = value >>> 16 == 0 ? AsciiString.EMPTY_STRING
                    : new AsciiString(h, value & 0xffff, value >>> 16, false);
        }
        if (rewriteLength && length >= 0) {
            fields[n++] = CONTENT_LENGTH;
            fields[n++] = new AsciiString(Long.toString(length));
        }
        return n == fields.length ? fields : Arrays.copyOf(fields, n);
    }

    /** Parses "HTTP/1.x NNN[ reason]" into {@link #status}; returns whether it is HTTP/1.0. */
    private boolean statusLine(byte[] h, int end) throws MalformedResponseException {
        if (end < 12 || h[0] != 'H' || h[1] != 'T' || h[2] != 'T' || h[3] != 'P' || h[4] != '/' || h[5] != '1'
                || h[6] != '.' || (h[7] != '0' && h[7] != '1') || h[8] != ' ' || !digit(h[9]) || !digit(h[10])
                || !digit(h[11]) || (end > 12 && h[12] != ' ')) {
            throw new MalformedResponseException("not an HTTP/1.1 status line");
        }
        status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
        if (status < 100 || status > 599) {
            throw new MalformedResponseException("status " + status + " outside 100-599");
        }
        checkText(h, 13, end, "the reason phrase");
        return h[7] == '0';
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Field value or reason phrase: HTAB, SP, visible ASCII and obs-text; no other control character. */
    private static void checkText(byte[] h, int from, int to, String what) throws MalformedResponseException {
        for (int i = from; i < to; i++) {
            int b = h[i] & 0xff;
            if ((b < 0x20 && b != '\t') || b == 0x7f) {
                throw new MalformedResponseException(what + " with a control character");
            }
        }
    }

    /** All Content-Length values (headers and list elements) must be the same number (RFC 9110 §8.6). */
    private static long contentLength(byte[] h, int from, int to, long before) throws MalformedResponseException {
        long value = before;
        int i = from;
        while (true) {
            while (i < to && (h[i] == ' ' || h[i] == '\t')) {
                i++;
            }
            long n = 0;
            int digits = 0;
            while (i < to && digit(h[i])) {
                if (++digits > 18) {
                    throw new MalformedResponseException("Content-Length too large");
                }
                n = n * 10 + (h[i++] - '0');
            }
            while (i < to && (h[i] == ' ' || h[i] == '\t')) {
                i++;
            }
            if (digits == 0 || (i < to && h[i] != ',') || (value >= 0 && value != n)) {
                throw new MalformedResponseException("invalid or conflicting Content-Length");
            }
            value = n;
            if (i == to) {
                return value;
            }
            i++; // the comma
        }
    }

    /** Whether chunked is this field's last coding; chunked anywhere before the last one is malformed. */
    private static boolean lastCodingIsChunked(byte[] h, int from, int to) throws MalformedResponseException {
        boolean chunked = false;
        for (int i = from; i < to; i = afterComma(h, i, to)) {
            long element = element(h, i, to);
            int s = (int) (element >>> 32);
            int e = (int) element;
            if (e > s) {
                if (chunked) {
                    throw new MalformedResponseException("chunked is not the last transfer coding");
                }
                chunked = e - s == 7 && equalsIgnoreCase(h, s, "chunked");
            }
        }
        return chunked;
    }

    /** Applies a Connection field's close and keep-alive options to {@code close}. */
    private static boolean connectionCloses(byte[] h, int from, int to, boolean close) {
        for (int i = from; i < to; i = afterComma(h, i, to)) {
            long element = element(h, i, to);
            int s = (int) (element >>> 32);
            int e = (int) element;
            if (e - s == 5 && equalsIgnoreCase(h, s, "close")) {
                return true; // close wins over keep-alive
            }
            if (e - s == 10 && equalsIgnoreCase(h, s, "keep-alive")) {
                close = false; // HTTP/1.0 keep-alive
            }
        }
        return close;
    }

    /**
     * The element of a comma-separated list that starts at {@code i}, without the whitespace around it: its start in
     * the high half, its end in the low half.
     */
    private static long element(byte[] h, int i, int to) {
        int e = i;
        while (e < to && h[e] != ',') {
            e++;
        }
        int s = i;
        while (s < e && (h[s] == ' ' || h[s] == '\t')) {
            s++;
        }
        while (e > s && (h[e - 1] == ' ' || h[e - 1] == '\t')) {
            e--;
        }
        return (long) s << 32 | e;
    }

    /** Where the list element after the one that starts at {@code i} starts ({@code to} past the last one). */
    private static int afterComma(byte[] h, int i, int to) {
        int comma = indexOf(h, i, to, (byte) ',');
        return comma < 0 ? to : comma + 1;
    }

    /** Reads a line (without CR LF) into {@link #line}; returns its length, or -1 when it needs more bytes. */
    private int line(ByteBuf in, int max, String what) throws MalformedResponseException {
        int start = in.readerIndex();
        int lf = in.indexOf(start, in.writerIndex(), LF);
        int n = (lf < 0 ? in.writerIndex() : lf) - start;
        if (lineLength + n > max) {
            throw new MalformedResponseException(what + " over " + max + " bytes");
        }
        line = append(line, lineLength, in, start, n);
        lineLength += n;
        if (lf < 0) {
            in.skipBytes(n);
            return -1;
        }
        in.skipBytes(n + 1);
        int length = withoutCr(line, 0, lineLength);
        lineLength = 0;
        return length;
    }

    /** chunk-size [ chunk-ext ], hexadecimal (RFC 9112 §7.1); extensions are ignored. */
    private long chunkSize(int length) throws MalformedResponseException {
        long size = 0;
        int i = 0;
        for (; i < length; i++) {
            int d = Character.digit(line[i], 16);
            if (d < 0) {
                break;
            }
            if (i >= 15) {
                throw new MalformedResponseException("chunk size too large");
            }
            size = size << 4 | d;
        }
        if (i == 0 || (i < length && line[i] != ';' && line[i] != ' ' && line[i] != '\t')) {
            throw new MalformedResponseException("invalid chunk size");
        }
        return size;
    }

    private static int indexOf(byte[] h, int from, byte value) {
        return indexOf(h, from, h.length, value);
    }

    private static int indexOf(byte[] h, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (h[i] == value) {
                return i;
            }
        }
        return -1;
    }

    /** The end of a line that ends at {@code lf}, without its CR. */
    private static int withoutCr(byte[] h, int from, int lf) {
        return lf > from && h[lf - 1] == CR ? lf - 1 : lf;
    }

    /** Whether {@code h} at {@code from} holds {@code lowerCase} in any case (ASCII letters, digits and dashes). */
    private static boolean equalsIgnoreCase(byte[] h, int from, String lowerCase) {
        for (int i = 0; i < lowerCase.length(); i++) {
            if ((h[from + i] | 0x20) != lowerCase.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
