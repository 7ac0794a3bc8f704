package dev.pilothouse.console.replay;

import dev.pilothouse.json.Json;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.TimelineEntry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The replay's cursor and what the session looked like there, on a timeline made by hand. */
class ReplayModelTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    private static TimelineEntry transition(int ms, String from, String to) {
        return new TimelineEntry(T0.plusMillis(ms), "transition", null, from + " → " + to,
                Json.object().put("from", from).put("to", to));
    }

    private static TimelineEntry message(int ms, String text) {
        return new TimelineEntry(T0.plusMillis(ms), TimelineEntry.MESSAGE, "reference", text,
                Json.object().put("id", 1).put("content", text));
    }

    private static TimelineEntry stream(int ms, String type, String text) {
        return new TimelineEntry(T0.plusMillis(ms), TimelineEntry.STREAM, "reference", type,
                Json.object().put("message_id", 2).put("type", type).put("text", text));
    }

    private static TimelineEntry reply(int ms, String text) {
        return new TimelineEntry(T0.plusMillis(ms), TimelineEntry.REPLY, "reference", text,
                Json.object().put("id", 2).put("content", text));
    }

    private final ReplayModel model = new ReplayModel(List.of(
            new TimelineEntry(T0, "created", null, "created", Json.object()),
            transition(400, "INIT", "READY"),
            message(1_000, "$ echo hi"),
            transition(1_001, "READY", "BUSY"),
            stream(1_100, "tool_output", "h"),
            stream(1_900, "tool_output", "i\n"),
            stream(1_950, "done", null),
            reply(2_000, "hi\n"),
            transition(2_001, "BUSY", "READY")));

    @Test
    void steppingShowsTheStateAndTheConversationAsTheyWereThere() {
        assertThat(model.frame().state()).isEqualTo(SessionState.INIT);
        assertThat(model.frame().current()).isNull();
        model.moveTo(4); // the first streamed piece
        ReplayModel.Frame f = model.frame();
        assertThat(f.state()).isEqualTo(SessionState.BUSY);
        assertThat(f.previous()).isEqualTo(SessionState.READY);
        assertThat(f.conversation()).containsExactly(new ReplayModel.Bubble(true, "reference", "$ echo hi", false),
                new ReplayModel.Bubble(false, "reference", "h", true));
        assertThat(f.sinceStart()).isEqualTo(Duration.ofMillis(1_100));
        model.stepForward();
        assertThat(model.frame().conversation().get(1).text()).isEqualTo("hi\n");
        model.stepForward();
        model.stepForward(); // the stored reply replaces the streaming one
        assertThat(model.frame().conversation()).containsExactly(new ReplayModel.Bubble(true, "reference", "$ echo hi", false),
                new ReplayModel.Bubble(false, "reference", "hi\n", false));
        model.stepBack();
        model.stepBack();
        assertThat(model.frame().position()).isEqualTo(5);
        assertThat(model.frame().conversation().get(1).streaming()).isTrue();
        model.moveTo(-5);
        assertThat(model.position()).isEqualTo(-1);
        model.moveTo(99);
        assertThat(model.atEnd()).isTrue();
        assertThat(model.frame().state()).isEqualTo(SessionState.READY);
    }

    @Test
    void playingMovesThroughTheSessionsTimeAtTheChosenSpeed() {
        assertThat(model.advance(Duration.ofMillis(399), 1)).isTrue(); // reaches "created" at 0 ms
        assertThat(model.position()).isZero();
        assertThat(model.advance(Duration.ofMillis(1), 1)).isTrue();
        assertThat(model.frame().state()).isEqualTo(SessionState.READY);
        // at 10×, 50 ms of play is 500 ms of the session: from 400 to 900 ms, nothing more happened
        assertThat(model.advance(Duration.ofMillis(50), 10)).isFalse();
        assertThat(model.advance(Duration.ofMillis(10), 10)).isTrue(); // 1,000 ms: the message
        assertThat(model.frame().current().kind()).isEqualTo(TimelineEntry.MESSAGE);
        // at 100×, 20 ms is 2 s: to the end, where it stops
        model.advance(Duration.ofMillis(20), 100);
        assertThat(model.atEnd()).isTrue();
        assertThat(model.frame().at()).isEqualTo(T0.plusMillis(2_001));
        assertThat(model.advance(Duration.ofSeconds(1), 100)).isFalse();
    }

    @Test
    void anEntryAtAWholeSecondIsListedWithItsMilliseconds() {
        // Json.time prints 09:00:00Z without a fraction: the list once cut that string at a fixed place and failed
        TimelineEntry whole = new TimelineEntry(Instant.parse("2026-12-01T09:00:00Z"), "transition", null, "INIT → READY",
                Json.object());
        TimelineEntry fine = new TimelineEntry(Instant.parse("2026-12-01T09:00:01.5Z"), "message", "a", "hi",
                Json.object());
        assertThat(ReplayWindow.line(whole)).isEqualTo("09:00:00.000  transition  INIT → READY");
        assertThat(ReplayWindow.line(fine)).isEqualTo("09:00:01.500  message  hi");
    }

    @Test
    void aLongTimelineGivesTheSameFrameAtAPointHoweverTheCursorGotThere() {
        // 600 exchanges (3,000 entries, across many of the model's checkpoints); reply i streams "p" then "q"
        List<TimelineEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 600; i++) {
            int ms = i * 10;
            entries.add(message(ms, "m" + i));
            entries.add(new TimelineEntry(T0.plusMillis(ms + 1), TimelineEntry.STREAM, "reference", "p",
                    Json.object().put("message_id", 10_000 + i).put("type", "delta").put("text", "p")));
            entries.add(new TimelineEntry(T0.plusMillis(ms + 2), TimelineEntry.STREAM, "reference", "q",
                    Json.object().put("message_id", 10_000 + i).put("type", "delta").put("text", "q")));
            entries.add(new TimelineEntry(T0.plusMillis(ms + 3), TimelineEntry.REPLY, "reference", "pq" + i,
                    Json.object().put("id", 10_000 + i).put("content", "pq" + i)));
            entries.add(transition(ms + 4, i % 2 == 0 ? "READY" : "BUSY", i % 2 == 0 ? "BUSY" : "READY"));
        }
        ReplayModel long1 = new ReplayModel(entries);
        java.util.Random random = new java.util.Random(7);
        for (int n = 0; n < 200; n++) {
            int at = random.nextInt(entries.size());
            long1.moveTo(random.nextInt(entries.size()));
            long1.moveTo(at);
            ReplayModel.Frame jumped = long1.frame();
            ReplayModel stepped = new ReplayModel(entries);
            for (int i = 0; i <= at; i++) {
                stepped.stepForward();
            }
            assertThat(jumped).as("at %d", at).isEqualTo(stepped.frame());
            int exchange = at / 5;
            int within = at % 5; // 0 message, 1 "p" streamed, 2 "pq" streamed, 3 reply, 4 transition
            List<ReplayModel.Bubble> c = jumped.conversation();
            assertThat(c).hasSize(2 * exchange + (within == 0 ? 1 : 2));
            assertThat(c.get(c.size() - 1).text()).isEqualTo(switch (within) {
                case 0 -> "m" + exchange;
                case 1 -> "p";
                case 2 -> "pq";
                default -> "pq" + exchange;
            });
        }
    }

    private static TimelineEntry log(int ms, String line) {
        return new TimelineEntry(T0.plusMillis(ms), TimelineEntry.LOG, "reference", line,
                Json.object().put("agent", "reference").put("line", line));
    }

    @Test
    void aFrameHoldsTheLogLinesUpToTheCursorTheNewestFewHundredOfThem() {
        ReplayModel small = new ReplayModel(List.of(
                log(0, "listening"),
                message(1_000, "$ echo hi"),
                log(1_001, "message 1 received"),
                reply(1_500, "hi\n"),
                log(1_501, "reply to message 1 finished")));
        assertThat(small.frame().logs()).isEmpty(); // before the first entry
        small.moveTo(1);
        assertThat(small.frame().logs()).extracting(TimelineEntry::summary).containsExactly("listening");
        small.moveTo(2);
        assertThat(small.frame().logs()).extracting(TimelineEntry::summary).containsExactly("listening", "message 1 received");
        small.moveTo(4);
        assertThat(small.frame().logs()).hasSize(3).last().extracting(TimelineEntry::summary)
                .isEqualTo("reply to message 1 finished");
        small.stepBack();
        assertThat(small.frame().logs()).hasSize(2);

        // 1,000 lines among 1,000 messages: a frame has the newest LOG_LINES at or before its entry, in order
        List<TimelineEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            entries.add(message(i * 10, "m" + i));
            entries.add(log(i * 10 + 1, "line " + i));
        }
        ReplayModel big = new ReplayModel(entries);
        big.moveTo(1_500); // the message of exchange 750, its line not yet logged
        List<TimelineEntry> shown = big.frame().logs();
        assertThat(shown).hasSize(ReplayModel.LOG_LINES);
        assertThat(shown.get(0).summary()).isEqualTo("line " + (750 - ReplayModel.LOG_LINES));
        assertThat(shown.get(shown.size() - 1).summary()).isEqualTo("line 749");
        big.moveTo(1_501);
        assertThat(big.frame().logs().get(ReplayModel.LOG_LINES - 1).summary()).isEqualTo("line 750");
        big.moveTo(21);
        assertThat(big.frame().logs()).hasSize(11);
    }
}
