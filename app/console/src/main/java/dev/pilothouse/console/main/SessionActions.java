package dev.pilothouse.console.main;

import dev.pilothouse.console.Console;
import dev.pilothouse.session.Session;
import dev.pilothouse.console.model.SelectionModel;
import javafx.scene.Node;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Pause, resume, retry, delete and purge on the selected sessions, each in the background. The
 * ones a session's state does not allow are skipped and said so; destructive ones ask first.
 */
final class SessionActions {
    private final Console console;
    private final Node owner;

    SessionActions(Console console, Node owner) {
        this.console = console;
        this.owner = owner;
    }

    void pause(List<Session> picked) {
        apply("pause", picked, SelectionModel::canPause, s -> console.engine().pause(s.id()));
    }

    void resume(List<Session> picked) {
        apply("resume", picked, SelectionModel::canResume, s -> console.engine().resume(s.id()));
    }

    void retry(List<Session> picked) {
        apply("retry", picked, SelectionModel::canRetry, s -> console.engine().retry(s.id()));
    }

    void delete(List<Session> picked) {
        List<Session> live = picked.stream().filter(s -> !s.deleted()).toList();
        if (live.isEmpty()) {
            return;
        }
        if (confirm(SelectionModel.deleteHeader(live), SelectionModel.deleteQuestion(live), "Delete")) {
            apply("delete", live, s -> true, s -> console.engine().delete(s.id()));
        }
    }

    void purge(List<Session> picked) {
        List<Session> deleted = picked.stream().filter(SelectionModel::canPurge).toList();
        if (deleted.isEmpty()) {
            console.notifier().error("Purge removes the volume of a deleted session: select deleted sessions (Ctrl+D shows them).");
            return;
        }
        if (confirm(SelectionModel.purgeHeader(deleted), SelectionModel.purgeQuestion(deleted), "Purge")) {
            apply("purge", deleted, s -> true, s -> console.engine().purge(s.id()));
        }
    }

    private static String capital(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static String past(String verb) {
        return switch (verb) {
            case "pause" -> "paused";
            case "resume" -> "resumed";
            case "retry" -> "retried";
            case "delete" -> "deleted";
            case "purge" -> "purged the volume of";
            default -> verb + "ed";
        };
    }

    private boolean confirm(String header, String text, String action) {
        ButtonType go = new ButtonType(action, ButtonBar.ButtonData.OK_DONE);
        Alert alert = new Alert(Alert.AlertType.CONFIRMATION, text, go, ButtonType.CANCEL);
        alert.setHeaderText(header);
        alert.setTitle(header);
        alert.initOwner(owner.getScene().getWindow());
        alert.getDialogPane().setId("confirm-dialog");
        // the question wraps instead of ending in "…"
        alert.getDialogPane().setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        alert.getDialogPane().setPrefWidth(520);
        return alert.showAndWait().filter(go::equals).isPresent();
    }

    private void apply(String verb, List<Session> picked, Predicate<Session> allowed, Function<Session, Session> op) {
        List<Session> todo = picked.stream().filter(allowed).toList();
        List<String> skipped = picked.stream().filter(allowed.negate()).map(s -> s.name() + " (" + s.state() + ")").toList();
        if (todo.isEmpty()) {
            console.notifier().error("Nothing to " + verb + ": " + String.join(", ", skipped)
                    + (skipped.size() == 1 ? " is" : " are") + " not in a state that allows it.");
            return;
        }
        String what = todo.size() == 1 ? todo.get(0).name() : todo.size() + " sessions";
        dev.pilothouse.console.WorkMonitor.Job job = console.startWork(capital(verb) + " " + what);
        console.run(verb + " " + what, () -> {
            List<String> failures = new ArrayList<>();
            int i = 0;
            for (Session s : todo) {
                job.progress((double) i++ / todo.size(), capital(verb) + " " + s.name() + "…");
                try {
                    op.apply(s);
                } catch (RuntimeException e) {
                    failures.add(s.name() + ": " + Console.message(null, e));
                }
            }
            return failures;
        }, failures -> {
            job.done();
            List<String> ok = todo.stream().map(Session::name).filter(n -> failures.stream().noneMatch(f -> f.startsWith(n + ": "))).toList();
            if (!ok.isEmpty()) {
                console.notifier().info(capital(past(verb)) + " " + String.join(", ", ok) + ".");
            }
            List<String> problems = new ArrayList<>(failures);
            if (!skipped.isEmpty()) {
                problems.add("skipped (state does not allow " + verb + "): " + String.join(", ", skipped));
            }
            if (!problems.isEmpty()) {
                console.notifier().error("Could not " + verb + " every session. " + String.join("; ", problems));
            }
        });
    }
}
