package dev.pilothouse.guardrails;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Each detector alone: what it finds, with which offsets, and the near-misses it leaves. */
class GuardrailDetectorsTest {
    private static List<Finding> scan(PiiKind kind, String text) {
        return new PiiScanner(EnumSet.of(kind)).scan(text);
    }

    /** The texts a kind's detector finds in {@code text}. */
    private static List<String> found(PiiKind kind, String text) {
        return scan(kind, text).stream().map(f -> text.substring(f.start(), f.end())).toList();
    }

    @Test
    void emailAddressesWithTheirOffsets() {
        String text = "Write to jane.doe+tag@mail.example.co.uk. Or (bob@example.org)";
        assertThat(scan(PiiKind.EMAIL, text)).containsExactly(new Finding(PiiKind.EMAIL, 9, 40),
                new Finding(PiiKind.EMAIL, 46, 61));
        assertThat(found(PiiKind.EMAIL, "user@localhost @Override name@1.2.3 icon@2x.png a@b.c git@github.com:o/r.git "
                + "ssh://git@github.com/o/r x@y_z.com")).isEmpty();
    }

    @Test
    void phoneNumbersInTheirUsualShapesButNotDatesTimesVersionsOrPlainNumbers() {
        assertThat(found(PiiKind.PHONE, "call +44 (0)20 7946 0958 or (415) 555-0132 or 020 7946 0958, +14155550132"))
                .containsExactly("+44 (0)20 7946 0958", "(415) 555-0132", "020 7946 0958", "+14155550132");
        assertThat(found(PiiKind.PHONE, "2024-01-15 12:30:45 v1.2.3 4155550132 #415-555-0132 123-456-7890 "
                + "+15.000.000 +35236450.6 10.0.0.1 978-3-16-148410-0 0 1 2 3 4 5 6 7 8 9")).isEmpty();
    }

    @Test
    void cardNumbersAreLuhnCheckedAndNeedAKnownPrefixAndLength() {
        assertThat(CardDetector.luhn(digits("4111111111111111"), 16)).isTrue();
        assertThat(CardDetector.luhn(digits("4111111111111112"), 16)).isFalse();
        assertThat(CardDetector.issued(digits("378282246310005"), 15)).isTrue();
        assertThat(CardDetector.issued(digits("3782822463100050"), 16)).as("Amex is 15 digits").isFalse();
        assertThat(CardDetector.issued(digits("1111111111111117"), 16)).as("no network issues 1").isFalse();
        String text = "pay 4111 1111 1111 1111, 3782-822463-10005? no: 4111 1111 1111 1112, 4111.1111.1111.1111";
        assertThat(scan(PiiKind.CARD, text)).containsExactly(new Finding(PiiKind.CARD, 4, 23), new Finding(PiiKind.CARD, 25, 42));
    }

    @Test
    void socialSecurityNumbersOutsideTheRangesNeverIssued() {
        assertThat(found(PiiKind.SSN, "536-22-1234 536 22 1234")).containsExactly("536-22-1234", "536 22 1234");
        for (String invalid : List.of("000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "123-00-4567",
                "123-45-0000", "078-05-1120", "219-09-9999", "536-22 1234", "536221234", "536-22-1234-5")) {
            assertThat(found(PiiKind.SSN, "x " + invalid + " y")).as(invalid).isEmpty();
        }
    }

    @Test
    void ibansNeedTheirCountrysLengthAndTheMod97Check() {
        assertThat(IbanDetector.mod97("GB82WEST12345698765432".toCharArray(), 22)).isEqualTo(1);
        assertThat(IbanDetector.mod97("GB82WEST12345698765433".toCharArray(), 22)).isNotEqualTo(1);
        String text = "IBAN DE89 3704 0044 0532 0130 00, or NO9386011117947.";
        assertThat(scan(PiiKind.IBAN, text)).containsExactly(new Finding(PiiKind.IBAN, 5, 32), new Finding(PiiKind.IBAN, 37, 52));
        assertThat(found(PiiKind.IBAN, "DE89 3704 0044 0532 0130 01 DE8937040044053201300 XX89370400440532013000 "
                + "de89370400440532013000")).isEmpty();
    }

    @Test
    void ipAddressesButNotLoopbackMasksVersionsOrSectionNumbers() {
        assertThat(found(PiiKind.IP, "db 10.0.3.17:5432, net 192.168.0.0/16, v6 [2001:db8::1]:443, fe80::1ff:fe23:4567:890a."))
                .containsExactly("10.0.3.17", "192.168.0.0", "2001:db8::1", "fe80::1ff:fe23:4567:890a");
        assertThat(found(PiiKind.IP, "::ffff:192.0.2.128")).containsExactly("::ffff:192.0.2.128");
        assertThat(found(PiiKind.IP, "127.0.0.1 0.0.0.0 255.255.255.0 ::1 :: v1.2.3.4 1.2.3.4.5 version 1.2.3.4 "
                + "Section 6.1.7.1 256.1.1.1 192.168.01.1 12:30:45 00:1a:2b:3c:4d:5e std::vector Bad::fee a[1::2] "
                + "1.2.3.4-SNAPSHOT")).isEmpty();
    }

    @Test
    void privateKeysRunToTheEndOfTheirEndLineOrOfTheText() {
        String key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBk\n-----END EC PRIVATE KEY-----";
        String text = "here: " + key + "\nbye";
        assertThat(scan(PiiKind.PRIVATE_KEY, text)).containsExactly(new Finding(PiiKind.PRIVATE_KEY, 6, 6 + key.length()));
        String cut = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA";
        assertThat(scan(PiiKind.PRIVATE_KEY, "x " + cut)).containsExactly(new Finding(PiiKind.PRIVATE_KEY, 2, 2 + cut.length()));
        assertThat(scan(PiiKind.PRIVATE_KEY, "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----")).isEmpty();
    }

    @Test
    void apiKeysByTheirIssuersPrefixes() {
        String ph = "ph_0123456789abcdef0123456789abcdef_" + "A".repeat(20) + "b-_" + "9".repeat(20);
        List<String> keys = List.of("AKIAIOSFODNN7EXAMPLE", "ghp_" + "aB3".repeat(12), "github_pat_11ABCDEFG0123456789_abc",
                "xoxb-123456789012-abcdefGHIJ", "sk_live_" + "a1B2".repeat(6), "AIza" + "Sy-_9".repeat(7),
                "sk-ant-api03-" + "Zx9_".repeat(10), "sk-proj-" + "Ab3".repeat(10), ph,
                "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.");
        for (String key : keys) {
            assertThat(found(PiiKind.API_KEY, "key=" + key + " end")).as(key).containsExactly(key);
        }
        assertThat(found(PiiKind.API_KEY, "AKIA ghp_xxx sk-... sk-hyphenated-words-that-are-long-enough xoxb- "
                + "ph_<32 hex>_<43 chars> AKIAIOSFODNN7EXAMPLEX myAKIAIOSFODNN7EXAMPLE")).isEmpty();
    }

    @Test
    void highEntropyTokensButNotHexWordsPathsOrBase64OfText() {
        assertThat(found(PiiKind.HIGH_ENTROPY, "secret: 8fK2xQ9mZ3vL7pR1tW5yB0nC4hJ6 ok"))
                .containsExactly("8fK2xQ9mZ3vL7pR1tW5yB0nC4hJ6");
        assertThat(found(PiiKind.HIGH_ENTROPY, "9fcd560f3a8b2c1d4e5f60718293a4b5c6d7e8f9 123e4567-e89b-12d3-a456-426614174000 "
                + "aMissingNameIsTheDocumented404 app/core/src/main/java/dev/pilothouse/guardrails/Ipv6Detector "
                + "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw== MAX_MESSAGE_SIZE_100000_CHARS")).isEmpty();
        assertThat(HighEntropyDetector.base64OfText("VGhlIHF1aWNrIGJyb3du", 0, 20)).isTrue();
        assertThat(HighEntropyDetector.base64OfText("dXNlcjpwYXNzd29yZA==", 0, 20)).as("user:password has no space").isFalse();
    }

    /**
     * Recall on 10,000 random tokens (seeded) of 20 to 128 characters in base64, base64url and base62:
     * the share that happens to look like words is what the detector misses; the bound is what was measured.
     */
    @Test
    void highEntropyRecallOnRandomTokens() {
        Random random = new Random(2026);
        String[] alphabets = {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"};
        int tokens = 0;
        int found = 0;
        int[] byLength = new int[2]; // tokens of 20-31 characters, found among them
        long characters = 0;
        long covered = 0; // characters of the tokens inside some finding, found exactly or not
        PiiScanner scanner = new PiiScanner(EnumSet.of(PiiKind.HIGH_ENTROPY));
        while (tokens < 10_000) {
            String alphabet = alphabets[tokens % 3];
            int length = 20 + random.nextInt(109);
            StringBuilder t = new StringBuilder();
            for (int k = 0; k < length; k++) {
                t.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String token = t.toString();
            if (!token.matches(".*[A-Z].*") || !token.matches(".*[a-z].*") || !token.matches(".*[0-9].*")) {
                continue; // the detector asks for all three on purpose: these are not what it is for
            }
            tokens++;
            List<Finding> findings = scanner.scan("token " + token + " end");
            boolean hit = findings.equals(List.of(new Finding(PiiKind.HIGH_ENTROPY, 6, 6 + length)));
            characters += length;
            for (Finding f : findings) {
                covered += Math.min(f.end(), 6 + length) - Math.max(f.start(), 6);
            }
            found += hit ? 1 : 0;
            if (length < 32) {
                byLength[0]++;
                byLength[1] += hit ? 1 : 0;
            }
        }
        System.out.printf("high-entropy recall on %d random tokens: %.2f %% found exactly (20-31 characters: %.2f %% of %d);"
                        + " %.2f %% of their characters redacted%n", tokens, 100.0 * found / tokens,
                100.0 * byLength[1] / byLength[0], byLength[0], 100.0 * covered / characters);
        assertThat((double) found / tokens).isGreaterThanOrEqualTo(0.99);
    }

    @Test
    void overlappingFindingsMergeIntoOneOfTheMostSpecificKindWhateverTheOrder() {
        List<Finding> raw = new ArrayList<>(List.of(new Finding(PiiKind.HIGH_ENTROPY, 10, 40), new Finding(PiiKind.API_KEY, 12, 32),
                new Finding(PiiKind.EMAIL, 38, 50), new Finding(PiiKind.PHONE, 60, 70), new Finding(PiiKind.IP, 70, 80),
                new Finding(PiiKind.CARD, 0, 5)));
        List<Finding> expected = List.of(new Finding(PiiKind.CARD, 0, 5), new Finding(PiiKind.API_KEY, 10, 50),
                new Finding(PiiKind.PHONE, 60, 70), new Finding(PiiKind.IP, 70, 80));
        for (long seed = 0; seed < 20; seed++) {
            Collections.shuffle(raw, new Random(seed));
            assertThat(PiiScanner.merge(raw)).isEqualTo(expected);
        }
    }

    @Test
    void anApiKeyInsideARandomRunIsOneApiKeyFinding() {
        String text = "see /v1/AKIAIOSFODNN7EXAMPLE/xY7kP2mQ9rT4vW8zB3nC6";
        List<Finding> findings = PiiScanner.allKinds().scan(text);
        assertThat(findings).hasSize(1);
        assertThat(findings.get(0).kind()).isEqualTo(PiiKind.API_KEY);
        assertThat(text.substring(findings.get(0).start(), findings.get(0).end())).contains("AKIAIOSFODNN7EXAMPLE");
    }

    @Test
    void offsetsAreStringOffsetsWhateverComesBefore() {
        String text = "Grüße 🚀 an jane@example.com";
        int start = text.indexOf("jane");
        assertThat(PiiScanner.allKinds().scan(text)).containsExactly(new Finding(PiiKind.EMAIL, start, text.length()));
    }

    /** The probing scan finds exactly the runs a character-by-character scan finds, on random texts. */
    @Test
    void longRunsFindsWhatACharacterByCharacterScanFinds() {
        Random random = new Random(7);
        boolean[] table = LongRuns.table("ab0");
        for (int round = 0; round < 2_000; round++) {
            StringBuilder t = new StringBuilder();
            int length = random.nextInt(200);
            for (int k = 0; k < length; k++) {
                t.append("ab0 .xé".charAt(random.nextInt(random.nextBoolean() ? 3 : 7)));
            }
            String text = t.toString();
            int min = 1 + random.nextInt(12);
            int from = length == 0 ? 0 : random.nextInt(length);
            int to = from + random.nextInt(length - from + 1);
            List<List<Integer>> expected = new ArrayList<>();
            int i = from;
            while (i < to) {
                int s = i;
                while (i < to && text.charAt(i) < 128 && table[text.charAt(i)]) {
                    i++;
                }
                if (i - s >= min) {
                    expected.add(List.of(s, i));
                }
                i = Math.max(i, s + 1);
            }
            List<List<Integer>> actual = new ArrayList<>();
            LongRuns.find(text, from, to, table, min, (s, e) -> actual.add(List.of(s, e)));
            assertThat(actual).as("%s [%d,%d) min %d", text, from, to, min).isEqualTo(expected);
        }
    }

    /**
     * Texts built to make a scanner go back over what it read (digits and separators without end,
     * '@' after '@', a BEGIN line without an END, hex and colons, one long token): each 1 MB scan
     * must stay linear; a quadratic one would take minutes, far over the generous limit.
     */
    @Test
    void pathologicalTextsAreScannedInLinearTime() {
        Random random = new Random(3);
        StringBuilder base64 = new StringBuilder();
        for (int k = 0; k < 1_000_000; k++) {
            base64.append("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".charAt(random.nextInt(64)));
        }
        List<String> texts = List.of("1 ".repeat(500_000), "1-".repeat(500_000), "+1 ".repeat(333_333), "a@".repeat(500_000),
                "a.".repeat(500_000) + "@x.io", "-----BEGIN ".repeat(90_000), "-----BEGIN RSA PRIVATE KEY-----".repeat(30_000),
                "1:".repeat(500_000), "ab::".repeat(250_000), "1.".repeat(500_000), "DE89".repeat(250_000),
                "eyJhbGciOiJIUzI1NiJ9.".repeat(50_000), "(415) ".repeat(160_000), base64.toString(),
                "-----BEGIN CERTIFICATE-----\n" + base64);
        PiiScanner scanner = PiiScanner.allKinds();
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> {
            for (String text : texts) {
                long t0 = System.nanoTime();
                scanner.scan(text);
                System.out.printf("pathological %-40s %6d ms%n", text.substring(0, 30).replace("\n", " "),
                        (System.nanoTime() - t0) / 1_000_000);
            }
        });
    }

    private static int[] digits(String s) {
        int[] d = new int[s.length()];
        for (int k = 0; k < d.length; k++) {
            d[k] = s.charAt(k) - '0';
        }
        return d;
    }
}
