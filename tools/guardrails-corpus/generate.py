#!/usr/bin/env python3
"""Writes the labelled guardrail corpus, app/core/src/test/resources/guardrails/labelled/*.txt.

Hand-written examples are below as they are; the synthetic ones (random tokens, Luhn-valid card
numbers, IBANs with computed check digits) come from a fixed seed, so running this again writes the
same files. Line format (read by GuardrailCorpusTest):

    + text with «the span» to find      a positive: each «...» is one finding of the file's kind,
                                          expected with exactly these offsets
    - text                               a negative: no finding of any kind is expected
    - [kind] text                        a negative holding another kind on purpose (an IPv4 address
                                          among phone near-misses): findings of that kind are allowed
    # comment, blank lines ignored;  \\n in a line is a newline
"""
import random
import string
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "app/core/src/test/resources/guardrails/labelled"
rnd = random.Random(14)
B62 = string.ascii_letters + string.digits
B64 = B62 + "+/"
B64URL = B62 + "-_"


def token(alphabet, n):
    while True:
        t = "".join(rnd.choice(alphabet) for _ in range(n))
        if any(c.isupper() for c in t) and any(c.islower() for c in t) and any(c.isdigit() for c in t):
            return t


def luhn_complete(prefix, length):
    body = prefix + "".join(rnd.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        if luhn_ok(body + check):
            return body + check


def luhn_ok(num):
    total = 0
    for i, ch in enumerate(reversed(num)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_break(num):
    last = (int(num[-1]) + 1) % 10
    return num[:-1] + str(last)


def group(num, sizes, sep):
    out, i = [], 0
    for s in sizes:
        out.append(num[i:i + s])
        i += s
    if i < len(num):
        out.append(num[i:])
    return sep.join(out)


IBAN_LENGTHS = {"DE": 22, "GB": 22, "FR": 27, "NL": 18, "ES": 24, "IT": 27, "CH": 21, "BE": 16, "AT": 20,
                "NO": 15, "PL": 28, "SE": 24, "DK": 18, "FI": 18, "IE": 22, "PT": 25, "LU": 20, "MT": 31,
                "SA": 24, "BR": 29, "TR": 26, "RU": 33, "LC": 32, "UA": 29}


def mod97(s):
    moved = s[4:] + s[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97


def iban(country, bban_letters=0):
    n = IBAN_LENGTHS[country] - 4
    bban = "".join(rnd.choice(string.ascii_uppercase) for _ in range(bban_letters)) + \
           "".join(rnd.choice(string.digits) for _ in range(n - bban_letters))
    check = 98 - mod97(country + "00" + bban)
    return f"{country}{check:02d}{bban}"


def spaced(s):
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def write(name, header, positives, negatives):
    lines = [f"# {name}: {header}", "# written by tools/guardrails-corpus/generate.py; edit there", ""]
    lines += ["+ " + p for p in positives] + [""] + ["- " + n for n in negatives]
    (OUT / f"{name}.txt").write_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------- email
write("email", "e-mail addresses", [
    "Contact «jane.doe@example.com» for details.",
    "«j.smith+tag@mail.example.co.uk» wrote the report",
    "cc: «first_last@sub.domain.org», thanks",
    "relay via «user%relay@example.net»",
    "numeric local part «123456@numbers.io»",
    "shouting «UPPER@EXAMPLE.COM» is still an address",
    "From: Bob <«bob@example.org»>",
    "mailto:«alice@example.com»",
    "(contact: «carol-d@example.travel»)",
    "write to «dave@example.com».",
    "\"email\": \"«erin.o.connor@corp-mail.example.de»\"",
    "two: «a.b@example.com» and «c.d@example.com»",
    "user=«ops-team@xn--bcher-kva.example»",
    "owner: «x@y.io»",
], [
    "user@localhost is a local account",
    "@Override public void run()",
    "pin it: name@1.2.3",
    "the retina icon icon@2x.png and logo@3x.jpg",
    "git clone git@github.com:pilothouse/pilothouse.git",
    "git clone ssh://git@github.com/pilothouse/pilothouse.git",
    "foo@bar without a domain",
    "a@b.c has a one-letter top-level domain",
    "write to me at jane (at) example (dot) com",
    "@media screen and (max-width: 600px)",
    "user@@example.com",
    "npm install @scope/package@1.0.0",
    "x@y_z.com has an underscore in its host",
    "see Javadoc {@link Store#open} and {@code x}",
    "decorators: @dataclass @property @staticmethod",
    "email: .@example.com",
])

# ---------------------------------------------------------------- phone
write("phone", "phone numbers", [
    "call «+1 415 555 0132» today",
    "US: «+1-415-555-0132»",
    "London «+44 20 7946 0958»",
    "London again «+44 (0)20 7946 0958»",
    "Berlin «+49 30 901820»",
    "Paris «+33 1 23 45 67 89»",
    "E.164 «+14155550132»",
    "office «(415) 555-0132»",
    "cell: «415-555-0132»",
    "fax «415.555.0132»",
    "toll free «1-800-555-0199»",
    "UK national «020 7946 0958»",
    "UK mobile «07700 900123»",
    "Germany «030 1234567»",
    "France «01 23 45 67 89»",
    "Netherlands «06-12345678»",
    "India «+91 98765 43210»",
    "Tokyo «+81 3-1234-5678»",
    "Sydney «+61 2 9876 5432»",
    "phone=«+41 44 668 18 00»",
    "reach me on «415 555 0132» after five",
    "(«+1 212 555 0100»)",
], [
    "released on 2024-01-15",
    "released on 15.01.2024",
    "released on 01/15/2024",
    "at 12:30:45 the job ran",
    "log line 2024-01-15 12:30:45 INFO started",
    "timestamp 2024-01-15T10:30:00Z",
    "version 1.2.3 and v10.15.7",
    "[ip] host 192.168.1.10 answered",
    "id 4155550132 without separators",
    "epoch millis 1700000000000",
    "order #415-555-0132 shipped",
    "invoice INV-2024-0042-17",
    "ticket 123-456-7890 (area code cannot start with 1)",
    "+100 points",
    "up +3.5% this week",
    "+15.000.000 EUR",
    "ISBN 978-3-16-148410-0",
    "digits 0 1 2 3 4 5 6 7 8 9",
    "hexdump 00 01 02 03 04 05 06 07 08 09",
    "1,234,567,890 rows",
    "ports 8080-8090",
    "pi is 3.14159265",
    "PID 12345 67890",
    "10:30-11:45 meeting",
    "id: 0123456789",
    "diff line +2024-01-15 release",
    "sizes 100 200 300 400",
    "matrix 1 0 0 0 1 0 0 0 1",
    "coordinates 52.5200, 13.4050",
    "$415-555-0132 is an amount range",
])


# ---------------------------------------------------------------- card
known_cards = ["4111111111111111", "4012888888881881", "4222222222222", "5555555555554444", "5105105105105100",
               "2223003122003222", "378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
               "30569309025904", "38520000023237", "3530111333300000", "3566002020360505", "6200000000000005",
               "6759649826438453"]
assert all(luhn_ok(c) for c in known_cards)
gen_cards = [luhn_complete(p, n) for p, n in [("4", 16), ("4", 19), ("51", 16), ("55", 16), ("2720", 16),
                                               ("34", 15), ("37", 15), ("6011", 16), ("65", 16), ("36", 14),
                                               ("3528", 16), ("62", 19), ("50", 16), ("6304", 18)]]
card_pos = []
for c in known_cards + gen_cards:
    if len(c) == 16:
        forms = [group(c, [4, 4, 4, 4], " "), group(c, [4, 4, 4, 4], "-"), c]
    elif len(c) == 15:
        forms = [group(c, [4, 6, 5], " "), c]
    elif len(c) == 14:
        forms = [group(c, [4, 6, 4], " "), c]
    elif len(c) == 13:
        forms = [c, group(c, [4, 3, 3, 3], " ")]
    else:
        forms = [c, group(c, [4, 4, 4, 4], " ")]
    card_pos.append(f"card «{rnd.choice(forms)}» exp 12/29")
card_pos += ["paid with «4111-1111-1111-1111».", "«5555 5555 5555 4444»", "{\"pan\":\"«4242424242424242»\"}"]
card_neg = ["Luhn fails: " + group(luhn_break(c), [4, 4, 4, 4], " ") for c in known_cards[:6] if len(c) == 16]
card_neg += [
    "unknown prefix, Luhn valid: " + group(luhn_complete("1", 16), [4, 4, 4, 4], " "),
    "unknown prefix, Luhn valid: " + luhn_complete("7", 16),
    "unknown prefix, Luhn valid: " + luhn_complete("9", 16),
    "Amex prefix, wrong length: " + luhn_complete("37", 16),
    "Visa prefix, wrong length: " + luhn_complete("4", 15),
    "too long: " + luhn_complete("4", 20),
    "too short: " + luhn_complete("4", 12),
    "epoch millis 1700000000000 and nanos 1700000000000000000",
    "odd grouping 41 11 11 11 11 11 11 11",
    "dots 4111.1111.1111.1111",
    "mixed 4111 1111-1111 1111",
    "version 4.111111111111111",
    "order 4111111111111111A",
    "uuid 41111111-1111-1111-1111-111111111111",
    "float 0.4111111111111111",
]
write("card", "payment card numbers (Luhn-checked, known networks)", card_pos, card_neg)

# ---------------------------------------------------------------- ssn
write("ssn", "US social security numbers", [
    "SSN «536-22-1234»",
    "ssn: «123-45-6789»",
    "«001-01-0001» is the lowest",
    "«665-12-3456» just below 666",
    "«899-99-9999» just below 900",
    "spaces «536 22 1234»",
    "\"ssn\":\"«219-09-9998»\"",
    "applicant («772-10-5521»)",
], [
    "area 000: 000-12-3456",
    "area 666: 666-12-3456",
    "area 9xx: 900-12-3456 and 987-65-4321",
    "group 00: 123-00-4567",
    "serial 0000: 123-45-0000",
    "the Woolworth card 078-05-1120",
    "the advertised 219-09-9999",
    "too long 123-45-67890",
    "too long 1234-56-7890",
    "other grouping 123-456-789",
    "no separators 536221234",
    "mixed separators 536-22 1234",
    "glued v536-22-1234",
    "continued 536-22-1234-5",
    "date-like 2023-45-6789",
    "a range 536-22-1234.5",
])

# ---------------------------------------------------------------- iban
known_ibans = ["DE89370400440532013000", "GB29NWBK60161331926819", "FR1420041010050500013M02606",
               "NL91ABNA0417164300", "CH9300762011623852957", "NO9386011117947", "BE68539007547034",
               "GB82WEST12345698765432", "ES9121000418450200051332", "IT60X0542811101000000123456",
               "AT611904300234573201", "PL61109010140000071219812874", "SE4550000000058398257466"]
assert all(mod97(i) == 1 for i in known_ibans), [i for i in known_ibans if mod97(i) != 1]
gen_ibans = [iban(c, 4 if c in ("GB", "IE", "NL") else 0) for c in ["DE", "GB", "FR", "DK", "FI", "IE", "PT", "LU",
                                                                      "MT", "SA", "BR", "TR", "RU", "LC", "UA", "NL"]]
iban_pos = []
for i, v in enumerate(known_ibans + gen_ibans):
    form = spaced(v) if i % 2 == 0 else v
    iban_pos.append(rnd.choice(["IBAN «%s»", "pay to «%s», ref 42", "Konto: «%s»", "\"iban\": \"«%s»\""]) % form)
iban_neg = [
    "wrong checksum DE89 3704 0044 0532 0130 01",
    "wrong checksum GB29NWBK60161331926818",
    "wrong length DE89370400440532013",
    "wrong length DE8937040044053201300000",
    "unknown country XX89370400440532013000",
    "lower case de89370400440532013000",
    "glued xDE89370400440532013000",
    "BIC DEUTDEFF and DEUTDEFF500",
    "standards ISO 8601 and RFC 3339 and ISO 27001",
    "part numbers AB12 CDEF GH34 and AB12-3456",
    "check digits 00: DE00370400440532013000",
    "a SKU FR14 2004 1010",
    "constant DE89_3704_0044_0532_0130_00",
]
write("iban", "IBANs (mod-97, per-country length)", iban_pos, iban_neg)

# ---------------------------------------------------------------- ip
write("ip", "IPv4 and IPv6 addresses", [
    "host «192.168.1.10» answered",
    "db at «10.0.3.17»",
    "resolver «8.8.8.8»",
    "client «203.0.113.42» connected",
    "listen «172.16.254.1»:8080",
    "subnet «10.1.2.0»/24",
    "a bare «1.2.3.4» is an address",
    "Address:«10.0.0.1»",
    "peer=«100.64.0.7»",
    "metadata service «169.254.169.254»",
    "end of sentence «198.51.100.7».",
    "v6 «2001:db8::1»",
    "link-local «fe80::1ff:fe23:4567:890a»",
    "full «2001:0db8:85a3:0000:0000:8a2e:0370:7334»",
    "mapped «::ffff:192.0.2.128»",
    "bracketed [«2001:db8::2»]:443",
    "ULA «fd00:ec2::254»",
    "«2606:4700:4700::1111» is a resolver",
], [
    "loopback 127.0.0.1 and 127.0.1.1",
    "any 0.0.0.0",
    "netmask 255.255.255.0",
    "multicast 224.0.0.1",
    "broadcast 255.255.255.255",
    "v6 loopback ::1 and unspecified ::",
    "version v1.2.3.4",
    "five parts 1.2.3.4.5",
    "version 1.2.3.4",
    "Version: 4.2.1.0",
    "release 2.0.0.1",
    "octet too large 256.1.1.1",
    "leading zero 192.168.01.1",
    "three parts 1.2.3",
    "time 12:30:45",
    "MAC 00:1a:2b:3c:4d:5e",
    "C++ std::vector and Foo::bar",
    "hex words Bad::fee and cafe::beef",
    "maven 2.17.1-SNAPSHOT and 1.2.3.4-SNAPSHOT",
    "pi 3.14.15.92.65",
    "1.2.3.4a",
    "ratio 16:9 and 4:3",
    "IPv6 prefix ::/0 and 0.0.0.0/0",
])

# ---------------------------------------------------------------- private-key
def pem_body(lines=4):
    return "\\n".join(token(B64, 64) for _ in range(lines))


pk_pos = []
for label in ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY",
              "DSA PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]:
    pk_pos.append(f"key: «-----BEGIN {label}-----\\n{pem_body()}\\n-----END {label}-----»\\nthat was it")
pk_pos.append(f"truncated: «-----BEGIN RSA PRIVATE KEY-----\\n{pem_body(2)}»")
pk_pos.append(f"indented in YAML:\\n  key: |\\n    «-----BEGIN PRIVATE KEY-----\\n    {token(B64, 64)}\\n    -----END PRIVATE KEY-----»")
write("private-key", "PEM and OpenSSH private keys", pk_pos, [
    f"-----BEGIN PUBLIC KEY-----\\n{pem_body()}\\n-----END PUBLIC KEY-----",
    f"-----BEGIN CERTIFICATE-----\\n{pem_body(6)}\\n-----END CERTIFICATE-----",
    f"-----BEGIN RSA PUBLIC KEY-----\\n{pem_body(3)}\\n-----END RSA PUBLIC KEY-----",
    "a line -----BEGIN ... PRIVATE KEY----- starts a key",
    "never paste a PRIVATE KEY here",
    "-----BEGIN private key----- in lower case is not a header",
    "ssh-keygen writes id_ed25519 and id_ed25519.pub",
])

# ---------------------------------------------------------------- api-key
ph = "ph_" + "".join(rnd.choice("0123456789abcdef") for _ in range(32)) + "_" + token(B64URL, 43)
write("api-key", "API keys by issuer prefix", [
    "aws_access_key_id = «AKIAIOSFODNN7EXAMPLE»",
    "temporary «ASIA" + "".join(rnd.choice(string.ascii_uppercase + string.digits) for _ in range(16)) + "»",
    "export GITHUB_TOKEN=«ghp_" + token(B62, 36) + "»",
    "oauth «gho_" + token(B62, 36) + "»",
    "app token «ghs_" + token(B62, 36) + "»",
    "fine-grained «github_pat_11" + token(B62, 20) + "_" + token(B62, 59) + "»",
    "SLACK_BOT_TOKEN=«xoxb-" + "".join(rnd.choice(string.digits) for _ in range(12)) + "-"
    + "".join(rnd.choice(string.digits) for _ in range(13)) + "-" + token(B62, 24) + "»",
    "user token «xoxp-" + "".join(rnd.choice(string.digits) for _ in range(12)) + "-" + token(B62, 32) + "»",
    "stripe «sk_live_" + token(B62, 24) + "»",
    "restricted «rk_live_" + token(B62, 24) + "»",
    "test mode «sk_test_" + token(B62, 24) + "»",
    "\"apiKey\": \"«AIza" + token(B64URL, 35) + "»\"",
    "https://maps.example.com/api?key=«AIza" + token(B62, 35) + "»&q=x",
    "ANTHROPIC_API_KEY=«sk-ant-api03-" + token(B64URL, 93) + "AA»",
    "Authorization: Bearer «sk-proj-" + token(B64URL, 64) + "»",
    "OPENAI_API_KEY=«sk-" + token(B62, 48) + "»",
    "PILOTHOUSE_TOKEN=«" + ph + "»",
    "jwt «eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c»",
    "cookie: auth=«eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6InJlYWQifQ." + token(B64URL, 86) + "»; HttpOnly",
    "curl -H 'Authorization: Bearer «" + "ph_" + "".join(rnd.choice("0123456789abcdef") for _ in range(32)) + "_"
    + token(B64URL, 43) + "»'",
], [
    "the AWS key id starts AKIA",
    "one character short AKIAIOSFODNN7EXAMPL",
    "GitHub tokens look like ghp_xxx",
    "OpenAI keys look like sk-...",
    "install sk-learn and risk-assessment",
    "sk-hyphenated-words-that-are-long-enough",
    "sk-proj- alone",
    "Slack prefix xoxb- alone",
    "Stripe prefix sk_live_ alone",
    "our tokens are ph_<32 hex>_<43 chars>",
    "too short ph_0123abcd_xyz",
    "prefix github_pat_ alone",
    "one character long AKIAIOSFODNN7EXAMPLEX",
    "a word like AIzaleaTree",
    "JSON in base64 without a signature part eyJhbGciOiJub25lIn0",
])

# ---------------------------------------------------------------- high-entropy
he_pos = []
contexts = ["password: «%s»", "SECRET=«%s»", "\"client_secret\": \"«%s»\"", "token «%s» expires", "«%s»",
            "Authorization: Basic «%s»", "session cookie sid=«%s»; Path=/"]
for i in range(120):
    alphabet = [B64, B62, B64URL][i % 3]
    n = [20, 24, 28, 32, 40, 44, 48, 64, 86, 128][i % 10]
    he_pos.append(rnd.choice(contexts) % token(alphabet, n))
he_pos.append("aws_secret_access_key = «wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY»")
he_pos.append("webhook https://hooks.example.com/services/«T0" + token(B62, 22) + "/B0" + token(B62, 22) + "»")
write("high-entropy", "random-looking tokens without a known prefix", he_pos, [
    "uuid 123e4567-e89b-12d3-a456-426614174000",
    "upper uuid 123E4567-E89B-12D3-A456-426614174000",
    "git sha 9fcd560f3a8b2c1d4e5f60718293a4b5c6d7e8f9",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "base64 of words VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw==",
    "base64 of words SGVsbG8sIHdvcmxkISBIb3cgYXJlIHlvdSB0b2RheT8=",
    "base64 of words UGlsb3Rob3VzZSBydW5zIGFnZW50cyBpbiBzZXNzaW9ucw==",
    "method aMissingNameIsTheDocumented404",
    "method neitherJavaFxNorFabric8NorARuntimeImplementationIsOnTheClassPath",
    "method overTheRateLimitIs429WithRetryAfter",
    "class Http1IncomingMessage and ValueToObjectConverter2",
    "path app/core/src/main/java/dev/pilothouse/guardrails/Ipv6Detector",
    "path PILOTHOUSE_URL/api/v0/sessions",
    "url https://github.com/openjdk/jdk17u/blob/master/src/java.base/share/classes/java/lang/String.java",
    "url https://bugs.openjdk.org/browse/JDK-4724038",
    "constant MAX_MESSAGE_SIZE_100000_CHARS",
    "snake test_case_with_number_42_and_more",
    "image eclipse-temurin:17.0.15_6-jre-jammy",
    "backup pilothouse-20260120T105000",
    "literal 0xffff_ffff_0000_0000L",
    "words well-known-and-widely-used-phrase-2024",
    "kebab pilothouse-runtime-kubernetes-0.1.0-tests",
    "hex mixed case DeadBeefCafe0123456789ABCDEFdeadbeef",
    "short random aB3dE5gH7jK9",
    "lowercase only 7fz2kq9x4m1p8w3v6b5n0c2r",
])
print("wrote", OUT)
