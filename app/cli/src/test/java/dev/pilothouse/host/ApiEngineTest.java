package dev.pilothouse.host;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.EngineEvent;
import dev.pilothouse.engine.RemixRequest;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.engine.SendResult;
import dev.pilothouse.engine.TemplateUse;
import dev.pilothouse.engine.UpdateRequest;
import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.json.Json;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.server.ApiServer;
import dev.pilothouse.server.ServerOptions;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@link ApiEngine} against the real server on a real engine: it answers as the engine itself would. */
class ApiEngineTest {
    @TempDir
    Path dataDir;
    private Engine engine;
    private ApiServer api;
    private ApiEngine remote;
    private final AtomicInteger closedRuns = new AtomicInteger();
    private final List<EngineEvent> heard = new CopyOnWriteArrayList<>();

    @BeforeEach
    void serve() {
        engine = Engine.open(EngineConfig.of(dataDir).withBackground(true), new Runtimes(dataDir));
        api = ApiServer.start(engine, ServerOptions.listen("127.0.0.1:0"));
        String token = engine.tokens().create("desk", false, null, "test").secret();
        remote = new ApiEngine(api.url(), token, closedRuns::incrementAndGet);
        remote.subscribe(heard::add);
    }

    @AfterEach
    void stop() {
        remote.close();
        api.close();
        for (Session s : engine.sessions(false)) {
            engine.delete(s.id());
        }
        engine.close();
    }

    @Test
    void sessionsAreTheEnginesAndChangesArriveAsTheyHappen() {
        assertThat(remote.context()).isEqualTo(Engine.LOCAL_CONTEXT);
        assertThat(remote.contexts()).contains(Engine.LOCAL_CONTEXT);
        assertThatThrownBy(() -> remote.useContext("nowhere")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unknown context 'nowhere'").hasMessageContaining("local");

        List<Session> created = new CopyOnWriteArrayList<>();
        Session s = remote.create(new CreateRequest("remote-one", null, null, List.of("reference"), null, 600L, null,
                "{\"team\":\"a\"}", null), created::add, null).session();
        assertThat(s.state()).isEqualTo(SessionState.READY);
        assertThat(created).extracting(Session::id).containsExactly(s.id());
        Session local = engine.session("remote-one");
        assertThat(s).usingRecursiveComparison().ignoringFields("owner", "createdAt", "updatedAt", "lastActivityAt")
                .isEqualTo(local);
        assertThat(local.createdBy()).isEqualTo("desk");
        assertThat(remote.sessions(false)).extracting(Session::id).containsExactly(s.id());
        assertThat(remote.volumeLocation(s)).isEqualTo(engine.volumeLocation(local));

        engine.pause("remote-one");
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.stream().anyMatch(e -> e instanceof EngineEvent.SessionChanged c
                && c.session().id().equals(s.id()) && c.session().state() == SessionState.IDLE));
        assertThatThrownBy(() -> remote.pause("remote-one")).isInstanceOf(WrongStateException.class)
                .hasMessageContaining("Accepted now: [READY]");
    }

    @Test
    void readingsAndTopAreTheEngines() {
        Session s = remote.create(CreateRequest.of("measured", "reference"), null, null).session();
        engine.sampleMetrics();
        java.util.Map<String, dev.pilothouse.metrics.Current> readings = remote.readings();
        assertThat(readings).containsOnlyKeys(s.id());
        assertThat(readings.get(s.id())).usingRecursiveComparison().ignoringFields("at")
                .isEqualTo(engine.readings().get(s.id()));
        assertThat(readings.get(s.id()).memory()).isPositive();
        assertThat(remote.top()).singleElement().satisfies(r -> {
            assertThat(r.sessionId()).isEqualTo(s.id());
            // top measures again when the last reading had no CPU figure (a first reading has none)
            assertThat(r.current().cpu()).isNotNull();
            assertThat(r.current().memory()).isPositive();
        });
        engine.pause("measured");
        engine.sampleMetrics(); // a round that no longer finds it running
        assertThat(remote.readings()).isEmpty();
    }

    @Test
    void aWorkspaceIsBrowsedThroughTheApiAsInProcess() throws java.io.IOException {
        Session s = remote.create(CreateRequest.of("remote-files", "reference"), null, null).session();
        dev.pilothouse.engine.WorkspaceOperations files = remote.workspaces();
        byte[] blob = new byte[2 * 1024 * 1024]; // above the JSON body limit: an upload is not bound by it
        new java.util.Random(3).nextBytes(blob);
        assertThat(files.upload("remote-files", "in/blob.bin", new java.io.ByteArrayInputStream(blob)).size())
                .isEqualTo(blob.length);
        java.nio.file.Files.writeString(Path.of(engine.volumeLocation(s)).resolve("in/readme.txt"), "hello");

        // times travel in JSON to the millisecond
        assertThat(files.list("remote-files", "in")).usingRecursiveComparison().ignoringFields("modified")
                .isEqualTo(engine.workspaces().list("remote-files", "in"));
        assertThat(files.stat("remote-files", "in/readme.txt").modified()).isEqualTo(engine.workspaces()
                .stat("remote-files", "in/readme.txt").modified().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(files.stat("remote-files", "in").directory()).isTrue();
        assertThat(files.text("remote-files", "in/readme.txt", 0, 1024).text()).isEqualTo("hello");
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        files.copyTo("remote-files", "in/blob.bin", out);
        assertThat(out.toByteArray()).isEqualTo(blob);

        java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
        files.archive("remote-files", "in", tar);
        assertThat(files.extract("remote-files", "copy", new java.io.ByteArrayInputStream(tar.toByteArray())))
                .isEqualTo(3); // in/, in/blob.bin, in/readme.txt
        assertThat(engine.workspaces().text("remote-files", "copy/in/readme.txt", 0, 100).text()).isEqualTo("hello");
        assertThat(files.delete("remote-files", "copy", true)).isEqualTo(4);
        assertThatThrownBy(() -> files.stat("remote-files", "copy")).isInstanceOf(dev.pilothouse.errors.NotFoundException.class);
        assertThatThrownBy(() -> files.list("remote-files", "../up")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'..' is not accepted");
        assertThat(engine.events("remote-files", 0, 1000)).filteredOn(e -> e.kind().equals("workspace"))
                .extracting(e -> e.actor()).containsExactly("desk", "desk", "desk");
    }

    @Test
    void templatesAreTheEnginesAndASessionSavedAsATemplateOverTheApiIsStoredAsShown() {
        String yaml = """
                apiVersion: v1
                kind: SessionTemplate
                metadata:
                  name: remote-report
                spec:
                  agents:
                    - name: reference
                      config:
                        temperature: 0.3
                  guardrails: [max-message-size:chars=500]
                  starting_prompt: "$ echo {{dataset}} at $PILOTHOUSE_CONFIG_TEMPERATURE"
                  parameters:
                    - name: dataset
                """;
        Engine.AppliedTemplate applied = remote.applyTemplate(yaml);
        assertThat(applied.stored().version()).isEqualTo(1);
        assertThat(engine.template("remote-report", null).yaml()).isEqualTo(yaml); // sent as YAML, kept as written
        assertThat(remote.templates()).extracting(t -> t.name() + ":" + t.version()).containsExactly("remote-report:1");
        assertThat(remote.template("remote-report", 1).template().parameters()).hasSize(1);
        assertThatThrownBy(() -> remote.template("remote-report", 5)).isInstanceOf(dev.pilothouse.errors.NotFoundException.class)
                .hasMessageContaining("has no version 5");

        assertThatThrownBy(() -> remote.createFromTemplate(new TemplateUse("remote-report", null, Map.of()), null, null, null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("needs parameter dataset");
        Session s = remote.createFromTemplate(new TemplateUse("remote-report", null, Map.of("dataset", "q4.csv")),
                new CreateRequest("from-remote", null, null, null, null, 120L, null, null, null), null, null).session();
        assertThat(s.state()).isEqualTo(SessionState.READY);
        assertThat(s.startingPrompt()).isEqualTo("$ echo q4.csv at $PILOTHOUSE_CONFIG_TEMPERATURE");
        assertThat(s.waitingTimeoutSeconds()).isEqualTo(120);
        assertThat(s.guardrails()).containsExactly("max-message-size:chars=500");

        String saved = remote.templateOf("from-remote", "remote-copy");
        assertThat(saved).isEqualTo(engine.templateOf("from-remote", "remote-copy"));
        assertThat(saved).contains("temperature: 0.3").contains("waiting_timeout_seconds: 120");
        assertThatThrownBy(() -> remote.templateOf("from-remote", "Not A Name")).isInstanceOf(InvalidInputException.class);
        assertThat(remote.applyTemplate(saved).stored().yaml()).isEqualTo(saved);
        assertThatThrownBy(() -> remote.remix("from-remote", RemixRequest.inherit().withGuardrails(List.of()), null, null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("sessions remix --guardrail");
    }

    @Test
    void aReplyStreamsBeforeItIsDoneAndIsStoredAsTheEngineStoresIt() {
        remote.create(CreateRequest.of("talk", "reference"), null, null);
        List<AgentEvent> events = new CopyOnWriteArrayList<>();
        SendResult r = remote.send("talk", null, "$ echo over the wire", events::add);
        assertThat(events).extracting(AgentEvent::type).first().isNotEqualTo(AgentEvent.Type.DONE);
        assertThat(events).extracting(AgentEvent::type).last().isEqualTo(AgentEvent.Type.DONE);
        assertThat(r.reply().content()).contains("over the wire");
        assertThat(heard).filteredOn(e -> e instanceof EngineEvent.ReplyStreamed).isNotEmpty();
        assertThat(remote.messages("talk", 0, null, 10_000)).extracting(Message::id)
                .containsExactlyElementsOf(engine.messages("talk", 0, null, 10_000).stream().map(Message::id).toList());
        assertThat(remote.messages("talk", 0, r.reply().id(), 1)).extracting(Message::id).containsExactly(r.message().id());
        assertThat(remote.events("talk", 0, 100_000)).hasSameSizeAs(engine.events("talk", 0, 100_000));
    }

    @Test
    void aBundleIsExportedAndImportedThroughTheApiAndABadOneMakesNothing() throws java.io.IOException {
        Session s = remote.create(CreateRequest.of("shared", "reference"), null, null).session();
        remote.send("shared", null, "$ mkdir -p data && echo 42 > data/answer.txt && echo stored", null);
        java.io.ByteArrayOutputStream bundle = new java.io.ByteArrayOutputStream();
        remote.exportBundle("shared", true, bundle);

        Session copy = remote.importBundle(new java.io.ByteArrayInputStream(bundle.toByteArray()), "shared-copy");
        assertThat(copy.name()).isEqualTo("shared-copy");
        assertThat(copy.id()).isNotEqualTo(s.id());
        assertThat(engine.session("shared-copy").createdBy()).isEqualTo("desk");
        assertThat(remote.messages("shared-copy", 0, null, 100)).extracting(Message::content)
                .isEqualTo(engine.messages("shared", 0, null, 100).stream().map(Message::content).toList())
                .anyMatch(c -> c.contains("stored"));
        assertThat(java.nio.file.Files.readString(Path.of(engine.volumeLocation(engine.session("shared-copy")))
                .resolve("data/answer.txt"))).isEqualTo("42\n");

        // cut short, not a bundle, an unknown session: refused with the engine's words, nothing made
        byte[] cut = java.util.Arrays.copyOf(bundle.toByteArray(), bundle.size() / 2);
        assertThatThrownBy(() -> remote.importBundle(new java.io.ByteArrayInputStream(cut), "half"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("nothing was imported");
        assertThatThrownBy(() -> remote.importBundle(new java.io.ByteArrayInputStream("hello".getBytes()), "text"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("nothing was imported");
        assertThatThrownBy(() -> remote.importBundle(new java.io.ByteArrayInputStream(bundle.toByteArray()), "shared-copy"))
                .isInstanceOf(dev.pilothouse.errors.DuplicateException.class);
        assertThatThrownBy(() -> remote.exportBundle("nobody", false, new java.io.ByteArrayOutputStream()))
                .isInstanceOf(dev.pilothouse.errors.NotFoundException.class);
        assertThat(engine.sessions(true)).extracting(Session::name).containsExactlyInAnyOrder("shared", "shared-copy");

        // without the workspace, the copy starts with an empty one
        java.io.ByteArrayOutputStream bare = new java.io.ByteArrayOutputStream();
        remote.exportBundle("shared", false, bare);
        remote.importBundle(new java.io.ByteArrayInputStream(bare.toByteArray()), "shared-bare");
        assertThat(java.nio.file.Files.exists(Path.of(engine.volumeLocation(engine.session("shared-bare")))
                .resolve("data/answer.txt"))).isFalse();
    }

    @Test
    void updatesKeepOtherMetadataAndAStaleVersionIsAConflict() {
        Session s = remote.create(new CreateRequest("meta", null, null, List.of("reference"), null, null, null,
                "{\"keep\":\"yes\",\"drop\":\"me\"}", null), null, null).session();
        Session u = remote.update("meta", new UpdateRequest(null, null, null, null, Map.of("added", "1"), List.of("drop")),
                null);
        assertThat(Json.parse(u.metadata())).isEqualTo(Json.parse("{\"keep\":\"yes\",\"added\":\"1\"}"));
        assertThatThrownBy(() -> remote.update("meta", UpdateRequest.rename("meta-2"), s.version()))
                .isInstanceOf(ConflictException.class).hasMessageContaining("version");
        assertThat(engine.session("meta").name()).isEqualTo("meta");
    }

    @Test
    void agentsAndResourcesChangeThroughTheApiAsInProcess() {
        engine.createAgent(new AgentDefinition(null, "ml-predictor", null, List.of("pilothouse", "reference-agent"),
                null, null, Map.of(), 0, new Resources(null, null, null), null, null, null));
        remote.create(CreateRequest.of("grows", "reference"), null, null);
        Session added = remote.update("grows", new UpdateRequest(null, null, null, null, Map.of(), List.of(),
                new Resources("2", null, null), List.of("ml-predictor"), List.of()), null);
        assertThat(added.state()).isEqualTo(SessionState.READY);
        assertThat(added.agents()).extracting(SessionAgent::name).containsExactly("reference", "ml-predictor");
        assertThat(engine.session("grows").resources().cpu()).isEqualTo("2");
        assertThat(remote.send("grows", "ml-predictor", "$ echo $PILOTHOUSE_AGENT_NAME", null).reply().content())
                .contains("ml-predictor");
        assertThatThrownBy(() -> remote.update("grows", UpdateRequest.agents(List.of(), List.of("reference", "ml-predictor")),
                null)).isInstanceOf(InvalidInputException.class).hasMessageContaining("at least one agent");
    }

    @Test
    void logsFollowUntilClosedAndRemixAndAgentsWork() {
        remote.create(CreateRequest.of("logged", "reference"), null, null);
        List<LogLine> lines = new CopyOnWriteArrayList<>();
        try (LogSubscription sub = remote.logs("logged", null, new LogOptions(-1, true, false), lines::addAll)) {
            await().atMost(Duration.ofSeconds(10)).failFast(() -> assertThat(sub.ended().toCompletableFuture()).isNotDone())
                    .until(() -> !lines.isEmpty());
            int before = lines.size();
            remote.send("logged", null, "hello", null);
            await().atMost(Duration.ofSeconds(10)).until(() -> lines.size() > before);
            assertThat(sub.ended().toCompletableFuture()).isNotDone();
        }

        Session child = remote.remix("logged", RemixRequest.inherit(), null, null).session();
        assertThat(child.parentSessionId()).isEqualTo(engine.session("logged").id());
        assertThat(child.state()).isEqualTo(SessionState.READY);

        AgentDefinition made = remote.createAgent(new AgentDefinition(null, "helper", null, List.of("true"), "m", "i",
                Map.of(), 8080, null, null, null, null, null));
        assertThat(engine.agent("helper").id()).isEqualTo(made.id());
        assertThat(remote.agents(false)).extracting(AgentDefinition::name).contains("helper", "reference");
        remote.deleteAgent("helper");
        assertThat(remote.agents(false)).extracting(AgentDefinition::name).doesNotContain("helper");
    }

    @Test
    void aServerThatStopsIsSaidOnceAndClosingRunsItsCleanUpOnce() {
        api.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.stream().anyMatch(e -> e instanceof EngineEvent.Notice n
                && n.message().startsWith("lost the connection to pilothouse serve")));
        assertThatThrownBy(() -> remote.sessions(false)).hasMessageContaining("cannot reach pilothouse serve at");
        remote.close();
        remote.close();
        assertThat(closedRuns).hasValue(1);
        assertThat(heard).filteredOn(e -> e instanceof EngineEvent.Notice n && n.message().startsWith("lost")).hasSize(1);
    }
}
