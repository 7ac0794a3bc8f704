package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RemixTest extends EngineTestBase {

    private LocalRuntime local() {
        return (LocalRuntime) engine.runtime(engine.sessions(true).get(0));
    }

    /** A parent with a file, a nested directory, a symlink, an executable and a conversation. */
    private Session parent(String name) {
        Session p = engine.create(CreateRequest.of(name, "reference").withMetadata("{\"project\":\"q4\"}")
                .withPrompt("$ mkdir -p data/raw && echo 42 > data/raw/n.txt && ln -s data/raw/n.txt link "
                        + "&& printf '#!/bin/sh\\necho hi\\n' > run.sh && chmod 755 run.sh"), null).session();
        engine.send(name, null, "remember this conversation", null);
        engine.send(name, null, "$ echo untouched > kept.txt", null);
        return engine.pause(name);
    }

    @Test
    void aRemixInheritsTheParentAndCopiesItsWorkspaceButNotItsConversationByDefault() throws Exception {
        Session p = parent("analysis");
        List<EngineEvent> events = new CopyOnWriteArrayList<>();
        engine.subscribe(events::add);

        Engine.Started started = engine.remix("analysis", RemixRequest.inherit(), null);
        Session child = started.session();

        assertThat(child.name()).isEqualTo("analysis-2");
        assertThat(child.parentSessionId()).isEqualTo(p.id());
        assertThat(child.state()).isEqualTo(SessionState.READY);
        assertThat(child.metadata()).isEqualTo(p.metadata());
        assertThat(child.agents()).extracting(SessionAgent::name).containsExactly("reference");
        assertThat(child.waitingTimeoutSeconds()).isEqualTo(p.waitingTimeoutSeconds());
        assertThat(child.startingPrompt()).isEqualTo(p.startingPrompt());

        Path ws = local().workspace(child.id());
        assertThat(Files.readString(ws.resolve("data/raw/n.txt"))).isEqualTo("42\n");
        assertThat(Files.isSymbolicLink(ws.resolve("link"))).isTrue();
        assertThat(Files.isExecutable(ws.resolve("run.sh"))).isTrue();
        // times are kept (the inherited starting prompt re-ran in the child, so look at a file it does not touch)
        assertThat(Files.getLastModifiedTime(ws.resolve("kept.txt")))
                .isEqualTo(Files.getLastModifiedTime(local().workspace(p.id()).resolve("kept.txt")));
        // the conversation was not copied: no messages beyond the child's own starting prompt, no agent memory
        assertThat(engine.messages(child.id(), 0, null, 100)).extracting(Message::content)
                .noneMatch(c -> c.contains("remember this conversation"));
        assertThat(ws.resolve(".pilothouse/history/reference/history.jsonl"))
                .satisfies(h -> assertThat(Files.readString(h)).doesNotContain("remember this conversation"));
        assertThat(events).anyMatch(e -> e instanceof EngineEvent.CopyProgressed c && c.sessionId().equals(child.id())
                && c.filesDone() == c.filesTotal());
        // lineage is recorded on both sides
        assertThat(engine.children("analysis")).extracting(Session::id).containsExactly(child.id());
        assertThat(engine.events(p.id(), 0, 100)).anyMatch(e -> e.kind().equals(AuditEvent.REMIXED)
                && e.detail().contains(child.id()));
        // the parent is untouched
        assertThat(fresh(p).version()).isEqualTo(p.version());
    }

    @Test
    void copyingTheConversationCopiesMessagesAndTheAgentsMemory() throws Exception {
        Session p = parent("notes");
        int parentMessages = engine.messages(p.id(), 0, null, 100).size();
        Session child = engine.remix("notes", RemixRequest.inherit().named("notes-branch").withPrompt("")
                .copying(true, true), null).session();

        assertThat(engine.messages(child.id(), 0, null, 100)).hasSize(parentMessages)
                .extracting(Message::content).contains("remember this conversation");
        Path history = local().workspace(child.id()).resolve(".pilothouse/history/reference/history.jsonl");
        assertThat(Files.readString(history)).contains("remember this conversation");
    }

    @Test
    void everyFieldIsOverridableAndAgentsCanBeAddedAndRemoved() {
        parent("base");
        shellAgent("second", "exec \"$0\" \"$@\"");
        engine.createAgent(new dev.pilothouse.agent.AgentDefinition(null, "extra", null,
                List.of("pilothouse", "reference-agent"), "tiny-model", null, java.util.Map.of(), 0,
                new dev.pilothouse.session.Resources(null, null, null), null, null, null));
        RemixRequest r = new RemixRequest("variant", "", null, List.of("extra"), List.of(), 900L, 7200L,
                "{\"phase\":\"viz\"}", new dev.pilothouse.session.Resources("2", "4Gi", null), false, false);
        Session child = engine.remix("base", r, null).session();

        assertThat(child.name()).isEqualTo("variant");
        assertThat(child.agents()).extracting(SessionAgent::name).containsExactly("reference", "extra");
        assertThat(child.agents().get(1).model()).isEqualTo("tiny-model");
        assertThat(child.waitingTimeoutSeconds()).isEqualTo(900);
        assertThat(child.ttlSeconds()).isEqualTo(7200);
        assertThat(child.metadata()).isEqualTo("{\"phase\":\"viz\"}");
        assertThat(child.resources().cpu()).isEqualTo("2");
        assertThat(child.resources().storage()).isEqualTo("10Gi");
        assertThat(child.startingPrompt()).isEmpty();
        assertThat(local().workspace(child.id()).resolve("data")).doesNotExist();
        assertThat(child.state()).isEqualTo(SessionState.READY);

        Session removed = engine.remix("variant", RemixRequest.inherit().withAgents(List.of(), List.of("reference")), null).session();
        assertThat(removed.agents()).extracting(SessionAgent::name).containsExactly("extra");
        assertThatThrownBy(() -> engine.remix("variant", RemixRequest.inherit().withAgents(List.of(), List.of("nobody")), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("cannot remove agent 'nobody'");
    }

    @Test
    void remixWorksFromErrorAndCompletedParentsAndNotFromPurgedOnes() {
        shellAgent("flaky", "exit 7");
        Session failed = engine.create(CreateRequest.of("failing", "flaky"), null).session();
        assertThat(failed.state()).isEqualTo(SessionState.ERROR);
        Session fromError = engine.remix("failing", RemixRequest.inherit().withAgents(List.of("reference"), List.of("flaky")), null).session();
        assertThat(fromError.state()).isEqualTo(SessionState.READY);
        assertThat(fromError.parentSessionId()).isEqualTo(failed.id());

        Session old = engine.create(CreateRequest.of("old", "reference").withTimeouts(null, 60L)
                .withPrompt("$ echo archived > a.txt"), null).session();
        clock.advance(Duration.ofSeconds(61));
        engine.sweep();
        assertThat(fresh(old).completed()).isTrue();
        Session fromCompleted = engine.remix("old", RemixRequest.inherit().withPrompt(""), null).session();
        assertThat(fromCompleted.state()).isEqualTo(SessionState.READY);
        assertThat(local().workspace(fromCompleted.id()).resolve("a.txt")).exists();

        engine.delete("old");
        Session fromDeleted = engine.remix(old.id(), RemixRequest.inherit().withPrompt("").named("revived"), null).session();
        assertThat(fromDeleted.state()).isEqualTo(SessionState.READY);
        engine.purge(old.id());
        long before = engine.sessions(true).size();
        assertThatThrownBy(() -> engine.remix(old.id(), RemixRequest.inherit(), null))
                .isInstanceOf(WrongStateException.class).hasMessageContaining("purged");
        assertThat(engine.sessions(true)).hasSize((int) before);
    }

    @Test
    void remixNamesTakeTheNextFreeNumberOfTheStem() {
        parent("study");
        assertThat(engine.remix("study", RemixRequest.inherit().withPrompt(""), null).session().name()).isEqualTo("study-2");
        assertThat(engine.remix("study", RemixRequest.inherit().withPrompt(""), null).session().name()).isEqualTo("study-3");
        assertThat(engine.remix("study-2", RemixRequest.inherit().withPrompt(""), null).session().name()).isEqualTo("study-4");
    }
}
