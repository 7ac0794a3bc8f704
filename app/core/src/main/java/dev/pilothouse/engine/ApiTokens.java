package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.session.Validation;
import dev.pilothouse.store.CommitCache;
import dev.pilothouse.store.Store;
import dev.pilothouse.store.StoreTx;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The REST API's bearer tokens: {@code ph_<id>_<secret>}, the secret 32 random bytes. The store
 * keeps a salted SHA-256 of the secret, never the secret: a slow password hash is not needed for a
 * secret of 256 random bits, and a fast one keeps every request's check cheap.
 */
public final class ApiTokens {
    private static final Pattern FORM = Pattern.compile("ph_([0-9a-f]{32})_([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How often a token's last use is written back: not on every request. */
    private static final Duration USE_RESOLUTION = Duration.ofMinutes(1);

    private final Store store;
    private final Clock clock;
    private final ConcurrentHashMap<String, Instant> lastWritten = new ConcurrentHashMap<>();
    /** Tokens as stored, kept until the next commit (a revocation is one): checked on every request. */
    private final CommitCache<String, Optional<StoreTx.Token>> known;

    ApiTokens(Store store, Clock clock) {
        this.store = store;
        this.known = new CommitCache<>(store::commitSeq, 1000);
        this.clock = clock;
    }

    /** What a request is allowed, as the token says. */
    public record Grant(String name, boolean readOnly) {
    }

    /** A token as listed: everything but its secret. */
    public record Info(String name, boolean readOnly, String createdBy, Instant createdAt, Instant expiresAt,
                       Instant revokedAt, Instant lastUsedAt) {
        public boolean expired(Instant now) {
            return expiresAt != null && !now.isBefore(expiresAt);
        }
    }

    /** A new token and its secret, which is shown this once. */
    public record Created(Info info, String secret) {
    }

    public Created create(String name, boolean readOnly, Duration expiresIn, String actor) {
        Validation.name("token", name);
        if (expiresIn != null && (expiresIn.isNegative() || expiresIn.isZero())) {
            throw new InvalidInputException("a token's expiry must be in the future; accepted: a duration such as 30d, 12h or 90m");
        }
        byte[] id = new byte[16];
        byte[] secret = new byte[32];
        byte[] salt = new byte[16];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        RANDOM.nextBytes(salt);
        String idHex = java.util.HexFormat.of().formatHex(id);
        String secretText = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Instant now = clock.instant();
        StoreTx.Token t = new StoreTx.Token(idHex, name, salt, hash(salt, secretText), readOnly, actor, now,
                expiresIn == null ? null : now.plus(expiresIn), null, null);
        store.write(tx -> {
            tx.insertToken(t);
            return null;
        });
        return new Created(info(t), "ph_" + idHex + "_" + secretText);
    }

    public List<Info> list(boolean includeRevoked) {
        return store.read(tx -> tx.listTokens(includeRevoked)).stream().map(ApiTokens::info).toList();
    }

    public Info revoke(String name) {
        StoreTx.Token t = store.read(tx -> tx.findLiveToken(name)).orElseThrow(() -> new NotFoundException("no token '"
                + name + "'; `pilothouse tokens list` shows the tokens"));
        store.write(tx -> {
            tx.revokeToken(t.id(), clock.instant());
            return null;
        });
        return info(store.read(tx -> tx.findToken(t.id())).orElseThrow());
    }

    /** The grant of a presented bearer secret; empty when it is malformed, unknown, revoked or expired. */
    public Optional<Grant> authenticate(String presented) {
        Matcher m = presented == null ? null : FORM.matcher(presented);
        if (m == null || !m.matches()) {
            return Optional.empty();
        }
        Optional<StoreTx.Token> found = known.get(m.group(1), id -> store.read(tx -> tx.findToken(id)));
        Instant now = clock.instant();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        StoreTx.Token t = found.get();
        if (!MessageDigest.isEqual(t.hash(), hash(t.salt(), m.group(2))) || t.revokedAt() != null
                || t.expiresAt() != null && !now.isBefore(t.expiresAt())) {
            return Optional.empty();
        }
        Instant written = lastWritten.get(t.id());
        if (written == null || Duration.between(written, now).compareTo(USE_RESOLUTION) >= 0) {
            lastWritten.put(t.id(), now);
            store.write(tx -> {
                tx.tokenUsed(t.id(), now);
                return null;
            });
        }
        return Optional.of(new Grant(t.name(), t.readOnly()));
    }

    /** Where a presented token stands now. */
    public enum Standing { VALID, REVOKED, EXPIRED, UNKNOWN }

    /**
     * Whether a token presented earlier still holds: what an open stream checks now and then.
     * Read through the same per-commit cache as {@link #authenticate}, so it costs a store read
     * only after a commit (a revocation is one, from this process or another on the data dir),
     * and it does not count as a use.
     */
    public Standing standing(String presented) {
        Matcher m = presented == null ? null : FORM.matcher(presented);
        if (m == null || !m.matches()) {
            return Standing.UNKNOWN;
        }
        Optional<StoreTx.Token> found = known.get(m.group(1), id -> store.read(tx -> tx.findToken(id)));
        if (found.isEmpty() || !MessageDigest.isEqual(found.get().hash(), hash(found.get().salt(), m.group(2)))) {
            return Standing.UNKNOWN;
        }
        StoreTx.Token t = found.get();
        if (t.revokedAt() != null) {
            return Standing.REVOKED;
        }
        return t.expiresAt() != null && !clock.instant().isBefore(t.expiresAt()) ? Standing.EXPIRED : Standing.VALID;
    }

    /** Why a presented token is refused, in words that do not help a guesser beyond what it already knows. */
    public String whyRefused(String presented) {
        Matcher m = presented == null ? null : FORM.matcher(presented);
        if (m == null || !m.matches()) {
            return "the bearer token is malformed; a token has the form ph_<32 hex>_<43 characters>, as "
                    + "`pilothouse tokens create NAME` printed it";
        }
        return store.read(tx -> tx.findToken(m.group(1)))
                .filter(t -> MessageDigest.isEqual(t.hash(), hash(t.salt(), m.group(2))))
                .map(t -> t.revokedAt() != null ? "token '" + t.name() + "' was revoked at " + t.revokedAt()
                        : "token '" + t.name() + "' expired at " + t.expiresAt())
                .orElse("the bearer token is not known here (wrong data dir, or mistyped)");
    }

    private static Info info(StoreTx.Token t) {
        return new Info(t.name(), t.readOnly(), t.createdBy(), t.createdAt(), t.expiresAt(), t.revokedAt(), t.lastUsedAt());
    }

    private static byte[] hash(byte[] salt, String secret) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(salt);
            return d.digest(secret.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
