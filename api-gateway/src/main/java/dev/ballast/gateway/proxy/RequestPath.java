package dev.ballast.gateway.proxy;

/**
 * Normalises a request path before route matching, and the upstream gets the same normalised path, so a route's
 * prefix check and what the upstream serves can never disagree. Follows nginx (location matching on a normalised
 * URI, merge_slashes on, ".." above the root is a 400) and RFC 3986 §6.2.2 (percent-encoded unreserved characters
 * are decoded, so "%2e%2e" is ".."). Encoded separators ("%2F", "%5C") and backslashes stay as sent, because APIs
 * put them in ids, but a path where they would hide a "." or ".." segment is refused (Envoy's
 * path_with_escaped_slashes_action=REJECT_REQUEST, narrowed to the case that can traverse).
 */
final class RequestPath {

    /** Why a path is refused: the 400 problem's detail. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private RequestPath() {
    }

    /**
     * @param raw the path as received (no query), starting with '/'
     * @return the normalised path; {@code raw} itself (no copy) when it is already normal, the common case
     * @throws Invalid when the path climbs above the root, has a bad or NUL escape, or hides a dot segment behind
     *                 an encoded separator
     */
    static String normalise(String raw) throws Invalid {
        if (raw.isEmpty() || raw.charAt(0) != '/') {
            throw new Invalid("The path must start with '/'");
        }
        if (isNormal(raw)) {
            return raw;
        }
        String decoded = decodeUnreserved(raw);
        String path = removeDotSegments(decoded);
        checkEncodedSeparators(path);
        return path;
    }

    /** One pass without allocation: no '%', no '\', no "//", no "/." segment start. */
    private static boolean isNormal(String path) {
        char previous = 0;
        for (int i = 0, n = path.length(); i < n; i++) {
            char c = path.charAt(i);
            if (c == '%' || c == '\\' || (previous == '/' && (c == '/' || c == '.'))) {
                return false;
            }
            previous = c;
        }
        return true;
    }

    /** Decodes %XX of unreserved characters (ALPHA DIGIT - . _ ~); others stay encoded as sent. */
    private static String decodeUnreserved(String path) throws Invalid {
        if (path.indexOf('%') < 0) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0, n = path.length(); i < n; i++) {
            char c = path.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 2 >= n) {
                throw new Invalid("The path has an incomplete percent escape");
            }
            int high = Character.digit(path.charAt(i + 1), 16);
            int low = Character.digit(path.charAt(i + 2), 16);
            if (high < 0 || low < 0) {
                throw new Invalid("The path has an invalid percent escape");
            }
            char value = (char) (high * 16 + low);
            if (value == 0) {
                throw new Invalid("The path has an encoded NUL");
            }
            if (isUnreserved(value)) {
                out.append(value);
            } else {
                out.append(c).append(path.charAt(i + 1)).append(path.charAt(i + 2));
            }
            i += 2;
        }
        return out.toString();
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** Merges slashes and resolves "." and ".." (RFC 3986 §5.2.4); ".." above the root is refused, as nginx does. */
    private static String removeDotSegments(String path) throws Invalid {
        StringBuilder out = new StringBuilder(path.length());
        int i = 1;
        int n = path.length();
        while (i <= n) {
            int end = path.indexOf('/', i);
            if (end < 0) {
                end = n;
            }
            boolean last = end == n;
            int length = end - i;
            if (length == 0 && !last) {
                // "//": merged (nginx merge_slashes on)
            } else if (length == 1 && path.charAt(i) == '.') {
                if (last) {
                    out.append('/');
                }
            } else if (length == 2 && path.charAt(i) == '.' && path.charAt(i + 1) == '.') {
                if (out.length() == 0) {
                    throw new Invalid("The path climbs above the root with '..'");
                }
                out.setLength(out.lastIndexOf("/"));
                if (last) {
                    out.append('/');
                }
            } else {
                out.append('/').append(path, i, end);
            }
            i = end + 1;
        }
        return out.length() == 0 ? "/" : out.toString();
    }

    /**
     * After dot-segment removal no "." or ".." piece is left between plain slashes, so any such piece left when
     * encoded separators and backslashes also count as separators is one an upstream that decodes them could climb by.
     */
    private static void checkEncodedSeparators(String path) throws Invalid {
        if (path.indexOf('%') < 0 && path.indexOf('\\') < 0) {
            return;
        }
        int start = 0;
        int n = path.length();
        int i = 0;
        while (i <= n) {
            int separator = i == n ? 1 : separatorLength(path, i);
            if (separator == 0) {
                i++;
                continue;
            }
            int length = i - start;
            if ((length == 1 && path.charAt(start) == '.')
                    || (length == 2 && path.charAt(start) == '.' && path.charAt(start + 1) == '.')) {
                throw new Invalid("The path hides a '.' or '..' segment behind an encoded slash or a backslash");
            }
            i += separator;
            start = i;
        }
    }

    /** 1 for '/' or '\', 3 for "%2F"/"%5C" (any case), else 0. */
    private static int separatorLength(String path, int i) {
        char c = path.charAt(i);
        if (c == '/' || c == '\\') {
            return 1;
        }
        if (c == '%' && i + 2 < path.length()) {
            char h = path.charAt(i + 1);
            char l = Character.toUpperCase(path.charAt(i + 2));
            if ((h == '2' && l == 'F') || (h == '5' && l == 'C')) {
                return 3;
            }
        }
        return 0;
    }
}
