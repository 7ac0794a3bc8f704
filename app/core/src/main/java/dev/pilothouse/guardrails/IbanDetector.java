package dev.pilothouse.guardrails;

import java.util.List;

/**
 * IBANs: a country code the IBAN registry knows, two check digits, and exactly that country's length
 * of upper-case letters and digits, unseparated or in groups of four separated by single spaces
 * ({@code DE89 3704 0044 0532 0130 00}); valid only when the ISO 7064 mod-97 check gives 1.
 *
 * <p>Deliberately not: wrong checksums, wrong lengths for the country, unknown countries, lower case
 * (IBANs are printed in capitals; lower-case runs are words and identifiers), an IBAN glued to a word.
 */
final class IbanDetector implements Detector {
    /** IBAN length by country, indexed by the two letters (registry of SWIFT, release 2024). */
    private static final byte[] LENGTHS = new byte[26 * 26];

    static {
        String table = "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 "
                + "DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 "
                + "IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 "
                + "MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 "
                + "SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30";
        for (String entry : table.split(" ")) {
            LENGTHS[(entry.charAt(0) - 'A') * 26 + entry.charAt(1) - 'A'] = Byte.parseByte(entry.substring(2));
        }
    }

    @Override
    public PiiKind kind() {
        return PiiKind.IBAN;
    }

    /** Capitals and digits: an IBAN starts with four of them in a row (country and check digits). */
    private static final boolean[] CAPITALS_DIGITS = LongRuns.table("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

    @Override
    public void scan(String text, List<Finding> out) {
        char[] chars = new char[34];
        LongRuns.find(text, 0, text.length(), CAPITALS_DIGITS, 4, (i, runEnd) -> {
            // only at the run's start: inside it the character before is a capital or digit
            if (i + 15 > text.length() || !Chars.upper(text.charAt(i)) || !Chars.upper(text.charAt(i + 1))
                    || !Chars.digit(text.charAt(i + 2)) || !Chars.digit(text.charAt(i + 3))
                    || Chars.word(Chars.at(text, i - 1))) {
                return;
            }
            int length = LENGTHS[(text.charAt(i) - 'A') * 26 + text.charAt(i + 1) - 'A'];
            if (length == 0) {
                return;
            }
            int end = read(text, i, length, chars);
            if (end > 0 && mod97(chars, length) == 1) {
                out.add(new Finding(PiiKind.IBAN, i, end));
            }
        });
    }

    /** Reads {@code length} characters into {@code chars}, spaces allowed between groups of four; the end or -1. */
    private static int read(String text, int start, int length, char[] chars) {
        int n = text.length();
        int p = start;
        int count = 0;
        boolean spaced = false;
        while (count < length && p < n) {
            char c = text.charAt(p);
            if (Chars.upper(c) || Chars.digit(c)) {
                chars[count++] = c;
                p++;
            } else if (c == ' ' && count % 4 == 0 && count > 0 && (spaced || count == 4) && p + 1 < n
                    && (Chars.upper(text.charAt(p + 1)) || Chars.digit(text.charAt(p + 1)))) {
                spaced = true;
                p++;
            } else {
                return -1;
            }
        }
        if (count < length) {
            return -1;
        }
        // the IBAN ends here: a letter or digit right after it would make it part of something longer
        if (Chars.word(Chars.at(text, p))) {
            return -1;
        }
        return p;
    }

    /** ISO 7064 mod 97-10 over the IBAN moved: country and check digits to the end, letters as 10..35. */
    static int mod97(char[] chars, int length) {
        int r = 0;
        for (int k = 0; k < length; k++) {
            char c = chars[(k + 4) % length];
            if (Chars.digit(c)) {
                r = (r * 10 + (c - '0')) % 97;
            } else {
                r = (r * 100 + (c - 'A' + 10)) % 97;
            }
        }
        return r;
    }
}
