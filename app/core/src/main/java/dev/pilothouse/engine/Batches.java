package dev.pilothouse.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.agent.AgentEvent;
import dev.pilothouse.batch.Batch;
import dev.pilothouse.batch.BatchCounts;
import dev.pilothouse.batch.BatchInputs;
import dev.pilothouse.batch.BatchRequest;
import dev.pilothouse.batch.BatchRow;
import dev.pilothouse.batch.BatchSummary;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.PilothouseException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.Validation;
import dev.pilothouse.store.BatchTx;
import dev.pilothouse.store.Store;
import dev.pilothouse.template.SessionTemplate;
import dev.pilothouse.template.StoredTemplate;
import dev.pilothouse.template.TemplateParser;
import dev.pilothouse.workspace.WorkspaceFiles;
import dev.pilothouse.workspace.WorkspacePath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Batches and pipelines (docs/batches.md), driven by the engine that owns the data dir. The queue
 * is the store's: {@link #drive} claims rows in one write ({@link BatchTx#claim}), so at most a
 * batch's {@code parallel} rows run whatever the threads do, and a batch whose engine died goes on
 * where the store says it was. A row's stage runs on a thread of its own: create (stage 1) or remix
 * (later stages) a session, wait for its starting prompt's reply, collect it (or a workspace file),
 * pause the session so its runtime is released, then record the outcome and start the next rows.
 */
public final class Batches {
    private static final Logger log = LoggerFactory.getLogger(Batches.class);
    /** Times a row may be cut off by its engine stopping before it counts as failed (a row that kills engines). */
    static final int MAX_INTERRUPTIONS = 3;
    /** The most of a reply or collected file kept as a row's result. */
    static final int MAX_RESULT_CHARS = 1_000_000;

    private final Engine root;
    private final ExecutorService threads;
    /** Rows this engine is running now, as batch#row: a RUNNING row not here was cut off by an engine that stopped. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** Batches whose cut-off rows this engine has put back in the queue. */
    private final Set<String> adopted = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    Batches(Engine root) {
        this.root = root;
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "batch-row");
            t.setDaemon(true);
            return t;
        });
    }

    private Store store() {
        return root.store();
    }

    /** At a background engine's start: every unfinished batch goes on. */
    void start() {
        for (Batch b : store().read(tx -> tx.batches().running())) {
            try {
                drive(b.id());
            } catch (RuntimeException e) {
                log.warn("batch {} could not be continued now: {}", b.id(), e.toString());
            }
        }
    }

    /**
     * Stops starting rows. Rows running are left RUNNING in the store (their threads are not
     * interrupted: a thread interrupted inside the store's I/O closes it); the next engine puts
     * them back in the queue.
     */
    void close() {
        closing = true;
        threads.shutdown();
    }

    /** Whether some batch has rows queued or running: an engine that would stop when idle keeps going. */
    public boolean active() {
        return !store().read(tx -> tx.batches().running()).isEmpty();
    }

    // ---- submit, cancel, resume, look ----------------------------------------------------------

    /** Checks the request whole (every row against every stage's template) before storing anything, then starts it. */
    BatchSummary submit(Engine via, BatchRequest r) {
        if (r.parallel() < 1 || r.parallel() > BatchRequest.MAX_PARALLEL) {
            throw new InvalidInputException("parallel " + r.parallel() + " is out of range: give 1 to "
                    + BatchRequest.MAX_PARALLEL + " sessions at once", "parallel");
        }
        if (r.retries() < 0 || r.retries() > BatchRequest.MAX_RETRIES) {
            throw new InvalidInputException("retries " + r.retries() + " is out of range: give 0 to "
                    + BatchRequest.MAX_RETRIES + " (how often a failed row is tried again)", "retries");
        }
        String collect = collectPath(r.collect());
        List<String> then = r.then() == null ? List.of() : r.then();
        if (then.size() + 1 > BatchRequest.MAX_STAGES) {
            throw new InvalidInputException("a pipeline has at most " + BatchRequest.MAX_STAGES + " stages; "
                    + (then.size() + 1) + " were given", "then");
        }
        if (r.rows() == null || r.rows().isEmpty()) {
            throw new InvalidInputException("a batch needs at least one input row", "inputs");
        }
        List<StoredTemplate> templates = new ArrayList<>();
        templates.add(via.template(r.template(), r.templateVersion()));
        then.forEach(t -> templates.add(via.template(t, null)));
        for (StoredTemplate t : templates) {
            List<String> missing = via.missingAgents(t.template());
            if (!missing.isEmpty()) {
                throw new InvalidInputException("template '" + t.name() + "' names agents that are not defined: "
                        + String.join(", ", missing) + "; define each first with `pilothouse agents create NAME --command "
                        + "'...'`", "template");
            }
        }
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < r.rows().size(); i++) {
            BatchInputs.Row row = r.rows().get(i);
            for (int s = 0; s < templates.size(); s++) {
                SessionTemplate t = templates.get(s).template();
                try {
                    // the first stage takes the row as it is; later stages the fields they declare
                    TemplateParser.resolve(t, s == 0 ? row.fields() : declared(row.fields(), t));
                } catch (InvalidInputException e) {
                    throw new InvalidInputException("input row " + (i + 1) + " (line " + row.line() + "): "
                            + e.getMessage().replaceAll("; give (it|each) with --param NAME=VALUE .*$", "; add it to the row"),
                            "inputs");
                }
            }
            inputs.add(Json.compact(Json.MAPPER.valueToTree(row.fields())));
        }
        List<Batch.Stage> stages = templates.stream().map(t -> new Batch.Stage(t.name(), t.version())).toList();
        Instant now = root.now();
        Batch b = new Batch(newId(), stages, r.parallel(), r.retries(), collect, via.context(), via.namespace(),
                Batch.Status.RUNNING, via.actor(), now, now, null);
        store().write(tx -> {
            tx.batches().insert(b, inputs);
            return null;
        });
        log.info("batch {} submitted by {}: {} rows, stages {}, parallel {}", b.id(), b.createdBy(), inputs.size(),
                stages.stream().map(Batch.Stage::template).toList(), b.parallel());
        published(b.id());
        drive(b.id());
        return summary(b.id());
    }

    /** A collect path: relative, inside the workspace. */
    static String collectPath(String given) {
        if (given == null) {
            return null;
        }
        String p = given.strip();
        boolean outside = p.startsWith("/") || p.startsWith("\\") || p.matches("^[A-Za-z]:.*")
                || List.of(p.split("[/\\\\]")).contains("..");
        if (p.isEmpty() || outside || p.indexOf('\0') >= 0 || p.length() > 1024 || p.endsWith("/")) {
            throw new InvalidInputException("collect path '" + given + "' is not accepted: give a file inside the "
                    + "session's workspace, relative and without '..' (e.g. out/result.txt)", "collect");
        }
        return p;
    }

    private static Map<String, String> declared(Map<String, String> fields, SessionTemplate t) {
        Map<String, String> out = new LinkedHashMap<>();
        t.parameters().forEach(p -> {
            if (fields.containsKey(p.name())) {
                out.put(p.name(), fields.get(p.name()));
            }
        });
        return out;
    }

    private static String newId() {
        return "b" + Validation.newId().replace("-", "").substring(0, 7);
    }

    public List<BatchSummary> list() {
        return store().read(tx -> {
            Map<String, BatchCounts> counts = tx.batches().counts();
            return tx.batches().list().stream()
                    .map(b -> new BatchSummary(b, counts.getOrDefault(b.id(), BatchCounts.NONE))).toList();
        });
    }

    public BatchSummary summary(String id) {
        return store().read(tx -> tx.batches().find(id).map(b -> new BatchSummary(b, tx.batches().counts(id))))
                .orElseThrow(() -> notFound(id));
    }

    public List<BatchRow> rows(String id) {
        summary(id);
        return store().read(tx -> tx.batches().rows(id));
    }

    private NotFoundException notFound(String id) {
        List<String> ids = store().read(tx -> tx.batches().list()).stream().map(Batch::id).limit(20).toList();
        return new NotFoundException("no batch '" + id + "'" + (ids.isEmpty() ? "; there are none yet"
                : "; batches: " + String.join(", ", ids)) + " (`pilothouse batch list`)");
    }

    /** Nothing new starts; rows running finish their current stage. */
    BatchSummary cancel(String id) {
        Batch b = summary(id).batch();
        if (b.status() != Batch.Status.RUNNING) {
            throw new WrongStateException("batch " + id + " is " + b.status().name().toLowerCase(java.util.Locale.ROOT)
                    + "; only a running batch can be cancelled");
        }
        store().write(tx -> {
            tx.batches().setStatus(id, Batch.Status.CANCELLED, root.now());
            tx.batches().move(id, BatchRow.Status.QUEUED, BatchRow.Status.CANCELLED, root.now());
            return null;
        });
        log.info("batch {} cancelled", id);
        published(id);
        return summary(id);
    }

    /** A cancelled batch's cancelled rows are queued again; a running batch goes on (in this engine). */
    BatchSummary resume(String id) {
        Batch b = summary(id).batch();
        if (b.status() == Batch.Status.CANCELLED) {
            store().write(tx -> {
                tx.batches().setStatus(id, Batch.Status.RUNNING, root.now());
                tx.batches().move(id, BatchRow.Status.CANCELLED, BatchRow.Status.QUEUED, root.now());
                finishIfDone(tx.batches(), id, root.now());
                return null;
            });
            log.info("batch {} resumed", id);
            published(id);
        }
        drive(id);
        return summary(id);
    }

    // ---- the queue -------------------------------------------------------------------------------

    /** The one place rows start: claims free slots in the store, then runs each claimed row. */
    void drive(String id) {
        if (closing) {
            return;
        }
        if (adopted.add(id)) {
            requeueCutOff(id);
        }
        List<BatchRow> claimed = store().write(tx -> {
            Optional<Batch> b = tx.batches().find(id);
            return b.isEmpty() || b.get().status() != Batch.Status.RUNNING ? List.<BatchRow>of()
                    : tx.batches().claim(id, b.get().parallel(), root.now());
        });
        if (claimed.isEmpty()) {
            return;
        }
        Batch b = summary(id).batch();
        claimed.forEach(r -> inFlight.add(key(r)));
        published(id);
        for (BatchRow r : claimed) {
            try {
                threads.execute(() -> run(b, r));
            } catch (RejectedExecutionException closingNow) {
                inFlight.remove(key(r)); // left RUNNING: the next engine queues it again
            }
        }
    }

    private static String key(BatchRow r) {
        return r.batchId() + "#" + r.index();
    }

    /**
     * Rows left RUNNING by an engine that stopped: their session (named by the row's try) is
     * deleted, stopping its agents, and the row queued again; one cut off too often fails.
     */
    private void requeueCutOff(String id) {
        Batch b = summary(id).batch();
        Engine e = view(b);
        for (BatchRow r : store().read(tx -> tx.batches().rows(id))) {
            if (r.status() != BatchRow.Status.RUNNING || inFlight.contains(key(r))) {
                continue;
            }
            String name = sessionName(b, r);
            try {
                Session s = e.session(name);
                if (!s.deleted()) {
                    e.delete(s.id());
                }
            } catch (NotFoundException none) {
                // it was never stored
            } catch (RuntimeException ex) {
                log.warn("batch {} row {}: the session {} of an interrupted try was not deleted: {}", id, r.index(),
                        name, ex.toString());
            }
            store().write(tx -> {
                BatchRow cur = tx.batches().row(id, r.index()).orElseThrow();
                if (cur.status() != BatchRow.Status.RUNNING) {
                    return null;
                }
                int n = cur.interruptions() + 1;
                String why = "interrupted: the engine stopped while session '" + name + "' ran";
                Batch now = tx.batches().find(id).orElseThrow();
                BatchRow.Builder next = cur.toBuilder().interruptions(n).error(why);
                if (n > MAX_INTERRUPTIONS) {
                    next.status(BatchRow.Status.FAILED).error(why + " (" + n + " times; not tried again)")
                            .finishedAt(root.now());
                } else {
                    next.status(now.status() == Batch.Status.RUNNING ? BatchRow.Status.QUEUED : BatchRow.Status.CANCELLED);
                }
                tx.batches().save(next.build(root.now()));
                finishIfDone(tx.batches(), id, root.now());
                return null;
            });
            log.info("batch {} row {}: try {} was interrupted by an engine stop; queued again", id, r.index(), r.tries());
        }
    }

    /** Ends a running batch whose rows are all finished. */
    private static void finishIfDone(BatchTx tx, String id, Instant now) {
        Batch b = tx.find(id).orElseThrow();
        BatchCounts c = tx.counts(id);
        if (b.status() == Batch.Status.RUNNING && c.queued() == 0 && c.running() == 0) {
            tx.setStatus(id, Batch.Status.DONE, now);
        }
    }

    /** What one try of a row's stage came to. */
    private record Outcome(Session session, String result, String error) {
        boolean ok() {
            return error == null;
        }
    }

    private void run(Batch b, BatchRow row) {
        try {
            Outcome o;
            try {
                o = stage(b, row);
            } catch (RuntimeException e) {
                o = new Outcome(null, null, e.getMessage() == null ? e.toString() : e.getMessage());
            }
            if (closing) {
                return; // the engine is stopping under it: left RUNNING, queued again by the next engine
            }
            record(b, row, o);
        } catch (RuntimeException e) {
            log.warn("batch {} row {}: its outcome could not be recorded: {}", b.id(), row.index(), e.toString());
        } finally {
            inFlight.remove(key(row));
        }
        try {
            drive(b.id());
        } catch (RuntimeException e) {
            log.warn("batch {}: next rows not started: {}", b.id(), e.toString());
        }
    }

    /** Sessions are named by batch, row and try: an interrupted try's session is found again by name. */
    static String sessionName(Batch b, BatchRow r) {
        return b.id() + "-r" + r.index() + "-t" + r.tries();
    }

    private Engine view(Batch b) {
        return root.at(b.context(), b.namespace()).as(b.createdBy());
    }

    private Outcome stage(Batch b, BatchRow row) {
        Engine e = view(b);
        Batch.Stage st = b.stages().get(row.stage());
        Map<String, String> fields = fields(row.input());
        String name = sessionName(b, row);
        AtomicReference<Integer> exit = new AtomicReference<>();
        Consumer<AgentEvent> onReply = ev -> {
            if (ev.type() == AgentEvent.Type.DONE && ev.exitCode() != null) {
                exit.set(ev.exitCode());
            }
        };
        Consumer<Session> onCreated = s -> {
            store().write(tx -> {
                tx.batches().row(b.id(), row.index()).ifPresent(cur -> tx.batches()
                        .save(cur.toBuilder().sessionId(s.id()).build(root.now())));
                return null;
            });
            published(b.id());
        };
        Engine.Started started;
        String prompt;
        if (row.stage() == 0) {
            CreateRequest t = e.fromTemplate(st.template(), st.version(), fields);
            prompt = t.startingPrompt();
            CreateRequest req = new CreateRequest(name, b.context(), b.namespace(), t.agents(), t.startingPrompt(),
                    t.waitingTimeoutSeconds(), t.ttlSeconds(), batchMetadata(t.metadata(), b, row), t.resources(),
                    t.guardrails(), t.agentConfig());
            started = e.create(req, onCreated, onReply);
        } else {
            StoredTemplate stored = e.template(st.template(), st.version());
            SessionTemplate t = stored.template();
            TemplateParser.Resolved res = TemplateParser.resolve(t, declared(fields, t));
            ObjectNode meta = res.metadata() == null ? Json.object() : (ObjectNode) Json.parse(res.metadata());
            meta.put("template", stored.name()).put("template_version", stored.version());
            // no prompt in the template: none (not the parent's again)
            prompt = res.startingPrompt() == null ? "" : res.startingPrompt();
            RemixRequest rr = new RemixRequest(name, prompt, t.agentNames(), List.of(), List.of(),
                    t.waitingTimeoutSeconds(), t.ttlSeconds(), batchMetadata(Json.compact(meta), b, row), t.resources(),
                    true, false);
            started = e.remix(previousSession(row), rr, onCreated, onReply);
        }
        Session s = started.session();
        String error = null;
        String result = null;
        var reply = started.firstReply();
        if (s.state() == SessionState.ERROR) {
            error = "session '" + s.name() + "' is in ERROR: " + s.terminationReason();
        } else if (reply != null && reply.failed()) {
            error = "the reply of session '" + s.name() + "' " + (reply.cancelled() ? "was cancelled: " : "failed: ")
                    + reply.reply().error();
        } else if (reply == null && prompt != null && !prompt.isEmpty()) {
            error = "the starting prompt of session '" + s.name() + "' was not answered (it is " + s.state() + ")";
        } else if (exit.get() != null && exit.get() != 0) {
            error = "the reply of session '" + s.name() + "' ended with exit code " + exit.get() + ": "
                    + tail(reply.reply().content());
        }
        if (error == null) {
            // the file is the row's result: collected from the last stage (earlier stages hand on their workspace)
            if (b.collect() != null && row.stage() == b.stages().size() - 1) {
                try (WorkspaceFiles files = e.runtime(s).files(s)) {
                    result = new String(files.read(WorkspacePath.of(b.collect()), 0, MAX_RESULT_CHARS * 4),
                            StandardCharsets.UTF_8);
                } catch (NotFoundException missing) {
                    error = "session '" + s.name() + "' has no file '" + b.collect() + "' in its workspace to collect";
                } catch (PilothouseException | UncheckedIOException ex) {
                    error = "'" + b.collect() + "' of session '" + s.name() + "' could not be read: " + ex.getMessage();
                }
            } else {
                result = reply == null ? "" : reply.reply().content();
            }
        }
        release(e, s);
        return new Outcome(s, result, error);
    }

    /** The session the row's last finished stage made: the parent of its next stage's remix. */
    private static String previousSession(BatchRow row) {
        JsonNode done = Json.parse(row.stagesDone());
        return done.get(done.size() - 1).get("session_id").asText();
    }

    /** A finished session is paused: its runtime released, its volume (and a later stage's parent) kept. */
    private static void release(Engine e, Session s) {
        try {
            Session cur = e.session(s.id());
            if (cur.state() == SessionState.READY) {
                e.pause(cur.id());
            }
        } catch (RuntimeException ex) {
            log.warn("session {} of a batch was not paused: {}", s.name(), ex.toString());
        }
    }

    private static String tail(String text) {
        String t = text == null ? "" : text.strip();
        return t.length() <= 300 ? t : "..." + t.substring(t.length() - 300);
    }

    private static String batchMetadata(String metadata, Batch b, BatchRow row) {
        ObjectNode meta = metadata == null ? Json.object() : (ObjectNode) Json.parse(metadata);
        meta.put("batch", b.id()).put("batch_row", row.index()).put("batch_stage", row.stage() + 1);
        return Json.compact(meta);
    }

    private static Map<String, String> fields(String input) {
        Map<String, String> out = new LinkedHashMap<>();
        Json.parse(input).fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().asText()));
        return out;
    }

    /** Writes a try's outcome: the next stage queued, the row done, tried again, or failed. */
    private void record(Batch b, BatchRow row, Outcome o) {
        Instant now = root.now();
        store().write(tx -> {
            BatchTx bt = tx.batches();
            Batch cur = bt.find(b.id()).orElseThrow();
            BatchRow r = bt.row(b.id(), row.index()).orElseThrow();
            ArrayNode stages = (ArrayNode) Json.parse(r.stagesDone());
            BatchRow.Builder next = r.toBuilder().attempts(r.attempts() + 1);
            if (o.session() != null) {
                next.sessionId(o.session().id());
            }
            BatchRow.Status waiting = cur.status() == Batch.Status.RUNNING ? BatchRow.Status.QUEUED : BatchRow.Status.CANCELLED;
            if (o.ok()) {
                stages.add(stageJson(b, r, o, "done", r.failures() + 1));
                next.stagesDone(Json.compact(stages)).failures(0).error(null);
                if (r.stage() + 1 < b.stages().size()) {
                    next.stage(r.stage() + 1).status(waiting);
                } else {
                    next.status(BatchRow.Status.DONE).result(clip(o.result())).finishedAt(now);
                }
            } else if (r.failures() + 1 <= b.retries()) {
                next.failures(r.failures() + 1).error(o.error()).status(waiting);
            } else {
                stages.add(stageJson(b, r, o, "failed", r.failures() + 1));
                next.stagesDone(Json.compact(stages)).failures(r.failures() + 1).error(o.error())
                        .status(BatchRow.Status.FAILED).finishedAt(now);
            }
            bt.save(next.build(now));
            finishIfDone(bt, b.id(), now);
            return null;
        });
        if (!o.ok()) {
            log.info("batch {} row {} stage {}: {}", b.id(), row.index(), row.stage() + 1, o.error());
        }
        published(b.id());
    }

    private static ObjectNode stageJson(Batch b, BatchRow r, Outcome o, String status, int attempts) {
        ObjectNode n = Json.object().put("stage", r.stage() + 1).put("template", b.stages().get(r.stage()).template())
                .put("session_id", o.session() == null ? null : o.session().id())
                .put("session", o.session() == null ? null : o.session().name()).put("status", status)
                .put("attempts", attempts);
        return n;
    }

    private static String clip(String s) {
        return s == null || s.length() <= MAX_RESULT_CHARS ? s : s.substring(0, MAX_RESULT_CHARS);
    }

    private void published(String id) {
        try {
            root.publish(new EngineEvent.BatchChanged(summary(id)));
        } catch (RuntimeException e) {
            log.debug("batch {} change not published: {}", id, e.toString());
        }
    }
}
