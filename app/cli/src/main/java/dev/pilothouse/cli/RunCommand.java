package dev.pilothouse.cli;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.SendResult;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.guardrails.GuardrailSpec;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

@Command(name = "run", description = "Send MESSAGE to AGENT in session NAME, creating or resuming the session as needed")
final class RunCommand extends EngineCommand {
    @Parameters(index = "0", paramLabel = "AGENT")
    String agent;

    @Parameters(index = "1", arity = "0..1", paramLabel = "MESSAGE",
            description = "The message, as it is (- reads it from stdin; @name is not read as a file)")
    String message;

    @Option(names = "--message-file", paramLabel = "FILE", description = "Read the message from FILE (- for stdin)")
    String messageFile;

    @Option(names = "--session", paramLabel = "NAME", description = "The session to use; created if it does not exist "
            + "(default: a new session with a generated name)")
    String sessionName;

    @Option(names = "--guardrail", paramLabel = "NAME[:OPTIONS]", description = "A guardrail of the session it creates "
            + "(repeatable; docs/guardrails.md); an existing --session must already have exactly these")
    List<String> guardrails = new ArrayList<>();

    @Override
    int run(Engine e, Output o) throws IOException {
        String text = SessionsCommand.messageText(root(), message, messageFile);
        e.agent(agent); // an unknown agent is refused before anything is created
        Set<String> wanted = canonical(guardrails); // a wrong spec is refused before anything is created
        Optional<Session> existing = find(e);
        Session s;
        if (existing.isPresent()) {
            s = existing.get();
            if (!guardrails.isEmpty() && !wanted.equals(new LinkedHashSet<>(s.guardrails()))) {
                throw new InvalidInputException("session '" + s.name() + "' exists with guardrails " + s.guardrails()
                        + ", not " + List.copyOf(wanted) + "; guardrails are set when a session is made: leave out "
                        + "--guardrail to use it as it is, or `pilothouse sessions remix " + s.name()
                        + " --guardrail ...` for a session with others");
            }
            if (s.agents().stream().map(SessionAgent::name).noneMatch(agent::equals)) {
                throw new WrongStateException("session '" + s.name() + "' has no agent '" + agent + "'; its agents: "
                        + s.agents().stream().map(SessionAgent::name).toList());
            }
        } else {
            s = e.create(new CreateRequest(sessionName, null, root().namespace, List.of(agent), null, null, null, null, null,
                    guardrails), ev -> { }).session();
            err().println("created session '" + s.name() + "' (" + s.id() + ")");
            if (s.state() != SessionState.READY) {
                err().println("error: session '" + s.name() + "' failed to start: " + s.terminationReason());
                return 1;
            }
        }
        SessionsCommand.Replies replies = new SessionsCommand.Replies(out(), o.structured());
        SendResult r;
        try {
            r = e.send(s.id(), agent, text, replies);
        } finally {
            replies.end(); // an error after a streamed reply starts on a line of its own
        }
        return replies.result(r, o, err());
    }

    private static Set<String> canonical(List<String> specs) {
        Set<String> out = new LinkedHashSet<>();
        specs.forEach(g -> out.add(GuardrailSpec.parse(g).canonical()));
        return out;
    }

    private Optional<Session> find(Engine e) {
        if (sessionName == null) {
            return Optional.empty();
        }
        try {
            Session s = e.session(sessionName);
            // a deleted session of that name does not block a new one
            return s.deleted() ? Optional.empty() : Optional.of(s);
        } catch (NotFoundException notFound) {
            return Optional.empty();
        }
    }
}
