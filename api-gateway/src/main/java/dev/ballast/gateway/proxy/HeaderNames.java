package dev.ballast.gateway.proxy;

import io.netty.util.AsciiString;

/** Header names as pre-hashed ASCII strings: header maps look them up without hashing the name per request. */
final class HeaderNames {

    static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    static final AsciiString TRANSFER_ENCODING = AsciiString.cached("transfer-encoding");
    static final AsciiString CONNECTION = AsciiString.cached("connection");
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString FORWARDED = AsciiString.cached("forwarded");
    static final AsciiString UPGRADE = AsciiString.cached("upgrade");
    static final AsciiString EXPECT = AsciiString.cached("expect");
    static final AsciiString HOST = AsciiString.cached("host");
    static final AsciiString COOKIE = AsciiString.cached("cookie");
    static final AsciiString RETRY_AFTER = AsciiString.cached("retry-after");

    private HeaderNames() {
    }
}
