package dev.pilothouse.guardrails;

import java.util.List;

/**
 * PEM and OpenSSH private keys: from a {@code -----BEGIN ... PRIVATE KEY-----} line (RSA, EC, DSA,
 * ENCRYPTED, OPENSSH, PGP ... BLOCK, or none) to the end of its {@code -----END ...-----} line; a key
 * cut off before its END line runs to the end of the text, since half a key is still a secret.
 *
 * <p>Deliberately not: public keys and certificates ({@code BEGIN PUBLIC KEY}, {@code BEGIN
 * CERTIFICATE}), which are meant to be shared.
 */
final class PrivateKeyDetector implements Detector {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    @Override
    public PiiKind kind() {
        return PiiKind.PRIVATE_KEY;
    }

    @Override
    public void scan(String text, List<Finding> out) {
        int from = 0;
        int begin;
        while ((begin = text.indexOf(BEGIN, from)) >= 0) {
            int labelStart = begin + BEGIN.length();
            int labelEnd = text.indexOf(DASHES, labelStart);
            if (labelEnd < 0 || labelEnd - labelStart > 40 || !privateLabel(text, labelStart, labelEnd)) {
                from = labelStart;
                continue;
            }
            int end = text.indexOf(END, labelEnd + DASHES.length());
            if (end < 0) {
                end = text.length();
            } else {
                int close = text.indexOf(DASHES, end + END.length());
                end = close < 0 ? text.length() : close + DASHES.length();
            }
            out.add(new Finding(PiiKind.PRIVATE_KEY, begin, end));
            from = end;
        }
    }

    /** "RSA PRIVATE KEY", "PRIVATE KEY", "PGP PRIVATE KEY BLOCK": capitals and spaces, naming a private key. */
    private static boolean privateLabel(String text, int start, int end) {
        for (int k = start; k < end; k++) {
            char c = text.charAt(k);
            if (!Chars.upper(c) && !Chars.digit(c) && c != ' ') {
                return false;
            }
        }
        String label = text.substring(start, end);
        return label.endsWith("PRIVATE KEY") || label.endsWith("PRIVATE KEY BLOCK");
    }
}
