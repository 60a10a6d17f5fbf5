package dev.ballast.gateway.proxy;

import io.netty.util.AsciiString;

/**
 * A final upstream response head as {@link UpstreamResponseParser} read it: status, reason phrase and the header
 * fields in arrival order, names and values as ASCII views over one copy of the head's bytes. The views go into the
 * client response's header map as they are: no String per name or value, no intermediate header map, and the
 * client-side encoder copies them back out as bytes.
 */
final class UpstreamResponseHead {

    private final int status;
    private final AsciiString reason;
    /** Name, value, name, value… */
    private final AsciiString[] fields;

    UpstreamResponseHead(int status, AsciiString reason, AsciiString[] fields) {
        this.status = status;
        this.reason = reason;
        this.fields = fields;
    }

    int status() {
        return status;
    }

    /** The reason phrase as received, empty when the upstream sent none. */
    AsciiString reason() {
        return reason;
    }

    /** How many header fields. */
    int size() {
        return fields.length / 2;
    }

    AsciiString name(int index) {
        return fields[2 * index];
    }

    AsciiString value(int index) {
        return fields[2 * index + 1];
    }

    /** Every value of the header {@code name} (any case) joined with commas, as one list; null when absent. */
    String joinedValues(CharSequence name) {
        String all = null;
        for (int i = 0; i < fields.length; i += 2) {
            if (fields[i].contentEqualsIgnoreCase(name)) {
                String value = fields[i + 1].toString();
                all = all == null ? value : all + "," + value;
            }
        }
        return all;
    }
}
