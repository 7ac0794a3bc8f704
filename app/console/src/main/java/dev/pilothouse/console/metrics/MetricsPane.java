package dev.pilothouse.console.metrics;

import dev.pilothouse.console.Console;
import dev.pilothouse.console.FxTicker;
import dev.pilothouse.console.main.Durations;
import dev.pilothouse.json.Json;
import dev.pilothouse.metrics.Activity;
import dev.pilothouse.metrics.Current;
import dev.pilothouse.metrics.MetricPoint;
import dev.pilothouse.metrics.Sample;
import dev.pilothouse.metrics.SessionMetrics;
import dev.pilothouse.metrics.Units;
import dev.pilothouse.session.Session;
import javafx.geometry.Insets;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.NumberAxis;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.StringConverter;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.function.Function;

/**
 * The Metrics tab (docs/metrics.md): the session's CPU, memory and volume now, what its agents did,
 * and charts of its history over the last hour, day or 30 days. Loaded when the tab comes into view
 * and every 5 s while it stays there; a figure the runtime cannot give says why instead.
 */
public final class MetricsPane extends BorderPane {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("MMM d HH:mm").withZone(ZoneId.systemDefault());

    private final Console console;
    private final ToggleGroup range = new ToggleGroup();
    private final Label note = new Label();
    private final GridPane summary = new GridPane();
    private final VBox agents = new VBox(2);
    private final Chart cpu = new Chart("CPU (cores)", "metrics-cpu-chart");
    private final Chart memory = new Chart("Memory", "metrics-memory-chart");
    private final Chart workspace = new Chart("Workspace", "metrics-workspace-chart");
    private final FxTicker refresh = new FxTicker(Duration.ofSeconds(5), this::load);
    private Session session;
    private boolean active;
    private long generation;
    private SessionMetrics shown;

    public MetricsPane(Console console) {
        this.console = console;
        setId("metrics");
        HBox bar = new HBox(6);
        bar.setPadding(new Insets(6, 8, 6, 8));
        for (String[] r : new String[][] {{"1h", "Last hour"}, {"24h", "Last day"}, {"30d", "Last 30 days"}}) {
            ToggleButton b = new ToggleButton(r[1]);
            b.setId("metrics-range-" + r[0]);
            b.setUserData(r[0]);
            b.setToggleGroup(range);
            bar.getChildren().add(b);
        }
        range.getToggles().get(0).setSelected(true);
        range.selectedToggleProperty().addListener((o, was, now) -> {
            if (now == null) {
                was.setSelected(true); // one range is always chosen
            } else {
                load();
            }
        });
        Region gap = new Region();
        HBox.setHgrow(gap, Priority.ALWAYS);
        note.setId("metrics-note");
        note.getStyleClass().add("muted");
        bar.getChildren().addAll(gap, note);
        summary.setId("metrics-summary");
        summary.setHgap(18);
        summary.setVgap(4);
        agents.setId("metrics-agents");
        VBox body = new VBox(10, summary, agents, cpu.chart, memory.chart, workspace.chart);
        body.setPadding(new Insets(4, 10, 10, 10));
        ScrollPane scroll = new ScrollPane(body);
        scroll.setFitToWidth(true);
        setTop(bar);
        setCenter(scroll);
    }

    /** Shows another session (or the same one changed): reloaded now if the tab is in view. */
    public void show(Session s) {
        boolean other = session == null || !session.id().equals(s.id());
        session = s;
        if (other) {
            shown = null;
            clear();
        }
        if (active && other) {
            load();
        }
    }

    /** Whether the tab is on screen: loaded when it comes into view, refreshed while it stays. */
    public void setActive(boolean on) {
        active = on;
        if (on) {
            load();
            refresh.play();
        } else {
            refresh.stop();
        }
    }

    public SessionMetrics shown() {
        return shown;
    }

    private void load() {
        if (session == null || !active) {
            return;
        }
        String id = session.id();
        String since = (String) range.getSelectedToggle().getUserData();
        long gen = ++generation;
        Duration span = Duration.ofSeconds(dev.pilothouse.session.Validation.duration("range", since));
        console.poll(() -> console.engine().metrics(id, span), m -> {
            if (gen != generation || session == null || !session.id().equals(id)) {
                return;
            }
            if (m == null) {
                note.setText("metrics could not be read now; trying again in 5 s");
            } else {
                render(m);
            }
        });
    }

    private void clear() {
        summary.getChildren().clear();
        agents.getChildren().clear();
        note.setText("");
        cpu.clear();
        memory.clear();
        workspace.clear();
    }

    private void render(SessionMetrics m) {
        shown = m;
        Current c = m.current();
        Activity a = m.activity();
        summary.getChildren().clear();
        int row = 0;
        row = fact(row, "CPU", Units.percent(c.cpu()) + (c.cpu() == null ? "" : " of a core"), "Memory", Units.bytes(c.memory()));
        row = fact(row, "Workspace", Units.bytes(c.workspaceBytes()) + (c.workspaceFiles() == null ? "" : " in "
                + Units.files(c.workspaceFiles())), "Running", Durations.human(Duration.ofSeconds(m.runningSeconds())) + " of "
                + Durations.human(Duration.ofSeconds(m.ageSeconds())));
        row = fact(row, "Replies", a.messages() + (a.errors() == 0 ? "" : " (" + a.errors() + " failed)"),
                "Latency", "p50 " + Units.millis(a.latencyP50Millis()) + " · p95 " + Units.millis(a.latencyP95Millis()));
        fact(row, "First event", "p50 " + Units.millis(a.firstEventP50Millis()) + " · p95 " + Units.millis(a.firstEventP95Millis()),
                "Tokens", a.inputTokens() == null ? "not reported" : a.inputTokens() + " in · " + a.outputTokens() + " out");
        agents.getChildren().clear();
        if (c.agents().size() > 1 || c.agents().stream().anyMatch(x -> x.unavailable() != null && c.unavailable() == null)) {
            c.agents().forEach(x -> {
                Label l = new Label(x.agent() + ": " + Units.percent(x.cpu()) + " CPU, " + Units.bytes(x.memory())
                        + (x.unavailable() == null ? "" : " (" + x.unavailable() + ")"));
                l.getStyleClass().add("metrics-agent");
                agents.getChildren().add(l);
            });
        }
        note.setText((c.unavailable() != null ? c.unavailable() + " · " : "") + m.resolution().label() + " buckets"
                + (c.at() == null ? "" : " · sampled " + CLOCK.format(c.at()) + ":" + String.format("%02d", c.at().atZone(ZoneId.systemDefault()).getSecond())));
        List<MetricPoint> points = m.history().getOrDefault(Sample.SESSION, List.of());
        // a session younger than the range is drawn from its creation: its history is all there is;
        // from the start of the bucket it was created in, where that bucket's point is drawn
        Instant start = m.createdAt().isAfter(m.since()) ? m.createdAt() : m.since();
        Instant from = Instant.ofEpochMilli(m.resolution().bucket(start.toEpochMilli()));
        boolean days = Duration.between(from, Instant.now()).toHours() > 24;
        cpu.chart.setTitle("CPU (cores" + PEAK);
        cpu.plot(points, from, days, p -> p.cpu(), p -> p.cpuMax());
        ByteUnit mem = ByteUnit.fitting(points.stream().map(p -> p.memoryMax() != null ? p.memoryMax() : p.memory()));
        memory.chart.setTitle("Memory (" + mem.name() + PEAK);
        memory.plot(points, from, days, p -> mem.of(p.memory()), p -> mem.of(p.memoryMax()));
        ByteUnit ws = ByteUnit.fitting(points.stream().map(MetricPoint::workspaceBytes));
        workspace.chart.setTitle("Workspace (" + ws.name() + ")");
        workspace.plot(points, from, days, p -> ws.of(p.workspaceBytes()), null);
    }

    /** The charts with two lines say which is which. */
    private static final String PEAK = "): mean, peak dashed";

    /** Bytes in the largest unit that keeps the chart's biggest value at 1 or more: "0.00050 MiB" reads badly. */
    record ByteUnit(String name, double size) {
        static ByteUnit fitting(java.util.stream.Stream<Long> values) {
            int power = Units.binaryPower(values.filter(java.util.Objects::nonNull).mapToLong(Long::longValue).max().orElse(0));
            return new ByteUnit(power == 0 ? "bytes" : Units.binaryUnit(power), Math.pow(1024, power));
        }

        Double of(Long bytes) {
            return bytes == null ? null : bytes / size;
        }
    }

    private int fact(int row, String k1, String v1, String k2, String v2) {
        summary.addRow(row, key(k1), value(k1, v1), key(k2), value(k2, v2));
        return row + 1;
    }

    private static Label key(String k) {
        Label l = new Label(k);
        l.getStyleClass().add("muted");
        return l;
    }

    private static Label value(String k, String v) {
        Label l = new Label(v);
        l.setId("metrics-" + k.toLowerCase().replace(' ', '-'));
        return l;
    }

    /** One time-series chart: the mean, and where given the peak, of each bucket. */
    private static final class Chart {
        final LineChart<Number, Number> chart;
        private final NumberAxis x = new NumberAxis();
        private final NumberAxis y = new NumberAxis();

        Chart(String title, String id) {
            y.setMinorTickVisible(false);
            x.setForceZeroInRange(false);
            x.setAutoRanging(false);
            y.setForceZeroInRange(true);
            chart = new LineChart<>(x, y);
            chart.setId(id);
            chart.setTitle(title);
            chart.setAnimated(false);
            chart.setCreateSymbols(false);
            chart.setLegendVisible(false);
            chart.setPrefHeight(170);
            chart.setMinHeight(150);
        }

        void clear() {
            chart.getData().clear();
        }

        void plot(List<MetricPoint> points, Instant since, boolean days, Function<MetricPoint, Double> mean,
                  Function<MetricPoint, Double> peak) {
            long from = since.getEpochSecond();
            long to = Instant.now().getEpochSecond();
            x.setLowerBound(from);
            x.setUpperBound(to);
            x.setTickUnit(Math.max(1, (to - from) / 6.0));
            DateTimeFormatter f = days ? DAY : to - from < 600 ? SECONDS : CLOCK;
            x.setTickLabelFormatter(new StringConverter<>() {
                @Override
                public String toString(Number n) {
                    return f.format(Instant.ofEpochSecond(n.longValue()));
                }

                @Override
                public Number fromString(String s) {
                    return 0;
                }
            });
            chart.getData().clear();
            chart.setCreateSymbols(points.size() < 3); // one or two points make no line: show them as dots
            chart.getData().add(series("mean", points, mean));
            if (peak != null) {
                chart.getData().add(series("peak", points, peak));
            }
        }

        private static XYChart.Series<Number, Number> series(String name, List<MetricPoint> points, Function<MetricPoint, Double> v) {
            XYChart.Series<Number, Number> s = new XYChart.Series<>();
            s.setName(name);
            for (MetricPoint p : points) {
                Double d = v.apply(p);
                if (d != null) {
                    s.getData().add(new XYChart.Data<>(p.at().getEpochSecond(), d));
                }
            }
            return s;
        }
    }
}
