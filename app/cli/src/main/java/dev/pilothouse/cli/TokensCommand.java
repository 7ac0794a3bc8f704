package dev.pilothouse.cli;

import dev.pilothouse.engine.ApiTokens;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;

/** {@code pilothouse tokens}: the REST API's bearer tokens. A token's secret is printed once, at creation. */
@Command(name = "tokens", description = "Bearer tokens for the REST API (pilothouse serve)",
        subcommands = {TokensCommand.Create.class, TokensCommand.ListTokens.class, TokensCommand.Revoke.class})
final class TokensCommand {

    @Command(name = "create", description = "Make a token and print it (once: only a hash of it is kept)")
    static final class Create extends EngineCommand {
        @Parameters(paramLabel = "NAME", description = "Who or what uses it; the audit trail names its changes so")
        String name;

        @Option(names = "--read-only", description = "It may only read (GET); writes get 403")
        boolean readOnly;

        @Option(names = "--expires", paramLabel = "DURATION", converter = Converters.Duration.class,
                description = "It stops working after this long (30d, 12h, 90m; default: never)")
        Long expiresSeconds;

        @Override
        int run(Engine e, Output o) {
            ApiTokens.Created c = e.tokens().create(name, readOnly, expiresSeconds == null ? null
                    : Duration.ofSeconds(expiresSeconds), e.actor());
            if (o.structured()) {
                o.json(Json.object().put("name", c.info().name()).put("token", c.secret())
                        .put("read_only", c.info().readOnly()).put("expires_at", Json.time(c.info().expiresAt())));
                return 0;
            }
            o.line(c.secret());
            err().println("token '" + name + "' (" + (readOnly ? "read-only" : "read-write")
                    + (c.info().expiresAt() == null ? "" : ", expires " + c.info().expiresAt())
                    + "): keep it now, it is not shown again. Use it as: Authorization: Bearer <token>");
            return 0;
        }
    }

    @Command(name = "list", description = "List tokens (never their secrets)")
    static final class ListTokens extends EngineCommand {
        @Option(names = "--all", description = "Include revoked tokens")
        boolean all;

        @Override
        int run(Engine e, Output o) {
            o.tokens(e.tokens().list(all));
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a token: requests with it get 401 from now on")
    static final class Revoke extends EngineCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        int run(Engine e, Output o) {
            ApiTokens.Info t = e.tokens().revoke(name);
            o.line("token '" + t.name() + "' revoked at " + t.revokedAt());
            return 0;
        }
    }
}
