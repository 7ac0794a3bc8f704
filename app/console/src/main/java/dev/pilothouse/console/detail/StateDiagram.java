package dev.pilothouse.console.detail;

import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.StateMachine;
import javafx.animation.FadeTransition;
import javafx.animation.KeyFrame;
import javafx.animation.KeyValue;
import javafx.animation.Timeline;
import javafx.geometry.Point2D;
import javafx.scene.Group;
import javafx.scene.control.Label;
import javafx.scene.layout.Pane;
import javafx.scene.layout.StackPane;
import javafx.scene.shape.Polygon;
import javafx.scene.shape.CubicCurveTo;
import javafx.scene.shape.MoveTo;
import javafx.scene.shape.Path;
import javafx.scene.shape.QuadCurveTo;
import javafx.util.Duration;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The five states and every transition the engine allows, drawn from {@link StateMachine#table()}
 * so the picture can never disagree with the rules. The current state is highlighted and the last
 * transition flashes along its arrow.
 */
public final class StateDiagram extends Pane {
    static final double WIDTH = 640;
    static final double HEIGHT = 330;
    private static final double NODE_W = 104;
    private static final double NODE_H = 42;
    private static final Map<SessionState, Point2D> CENTERS = new EnumMap<>(SessionState.class);

    static {
        CENTERS.put(SessionState.INIT, new Point2D(90, 165));
        CENTERS.put(SessionState.READY, new Point2D(300, 165));
        CENTERS.put(SessionState.BUSY, new Point2D(510, 165));
        CENTERS.put(SessionState.IDLE, new Point2D(300, 290));
        CENTERS.put(SessionState.ERROR, new Point2D(300, 40));
    }

    private final Map<SessionState, StackPane> nodes = new EnumMap<>(SessionState.class);
    private final Map<String, Group> edges = new HashMap<>();
    private SessionState current;
    private Timeline flash;

    public StateDiagram() {
        getStyleClass().add("state-diagram");
        setMinSize(WIDTH, HEIGHT);
        setPrefSize(WIDTH, HEIGHT);
        setMaxSize(WIDTH, HEIGHT);
        StateMachine.table().forEach((from, tos) -> tos.forEach(to -> {
            Group edge = edge(from, to, StateMachine.allowed(to, from));
            edges.put(key(from, to), edge);
            getChildren().add(edge);
        }));
        for (SessionState s : SessionState.values()) {
            Label label = new Label(s.name());
            StackPane node = new StackPane(label);
            node.getStyleClass().addAll("state-node", "state-" + s.name().toLowerCase(Locale.ROOT));
            node.setPrefSize(NODE_W, NODE_H);
            node.resizeRelocate(CENTERS.get(s).getX() - NODE_W / 2, CENTERS.get(s).getY() - NODE_H / 2, NODE_W, NODE_H);
            node.setId("state-" + s.name());
            nodes.put(s, node);
            getChildren().add(node);
        }
    }

    private static String key(SessionState from, SessionState to) {
        return from + ">" + to;
    }

    /**
     * An arrow from one state to another; a pair of opposite arrows bends apart so both show.
     * IDLE to ERROR would cross READY, so it goes around the outside, right of BUSY.
     */
    private static Group edge(SessionState from, SessionState to, boolean hasReverse) {
        Point2D a = CENTERS.get(from);
        Point2D b = CENTERS.get(to);
        Path path = new Path();
        Point2D end;
        Point2D lastControl;
        if (from == SessionState.IDLE && to == SessionState.ERROR) {
            Point2D start = new Point2D(a.getX() + NODE_W / 2 + 4, a.getY());
            end = new Point2D(b.getX() + NODE_W / 2 + 4, b.getY());
            Point2D c1 = new Point2D(700, a.getY());
            lastControl = new Point2D(700, b.getY());
            path.getElements().addAll(new MoveTo(start.getX(), start.getY()),
                    new CubicCurveTo(c1.getX(), c1.getY(), lastControl.getX(), lastControl.getY(), end.getX(), end.getY()));
        } else {
            Point2D dir = b.subtract(a).normalize();
            Point2D normal = new Point2D(-dir.getY(), dir.getX());
            double offset = hasReverse ? 8 : 0;
            Point2D start = clip(a, dir).add(normal.multiply(offset));
            end = clip(b, dir.multiply(-1)).add(normal.multiply(offset));
            lastControl = start.midpoint(end).add(normal.multiply(hasReverse ? 22 : 0));
            path.getElements().addAll(new MoveTo(start.getX(), start.getY()),
                    new QuadCurveTo(lastControl.getX(), lastControl.getY(), end.getX(), end.getY()));
        }
        path.getStyleClass().add("state-edge");
        Point2D tangent = end.subtract(lastControl).normalize();
        Point2D side = new Point2D(-tangent.getY(), tangent.getX());
        Point2D base = end.subtract(tangent.multiply(10));
        Polygon head = new Polygon(end.getX(), end.getY(),
                base.getX() + side.getX() * 5, base.getY() + side.getY() * 5,
                base.getX() - side.getX() * 5, base.getY() - side.getY() * 5);
        head.getStyleClass().add("state-edge-head");
        Group g = new Group(path, head);
        g.getStyleClass().add("state-edge-group");
        g.setId("edge-" + from + "-" + to);
        return g;
    }

    /** Where a line leaving a node's center along {@code dir} crosses the node's border. */
    private static Point2D clip(Point2D center, Point2D dir) {
        double tx = dir.getX() == 0 ? Double.MAX_VALUE : (NODE_W / 2 + 4) / Math.abs(dir.getX());
        double ty = dir.getY() == 0 ? Double.MAX_VALUE : (NODE_H / 2 + 4) / Math.abs(dir.getY());
        return center.add(dir.multiply(Math.min(tx, ty)));
    }

    /** Shows {@code state} as current; when it came from {@code previous}, flashes that arrow. */
    public void show(SessionState state, SessionState previous) {
        if (current != null) {
            nodes.get(current).getStyleClass().remove("current");
        }
        current = state;
        nodes.get(state).getStyleClass().add("current");
        edges.values().forEach(e -> e.getStyleClass().remove("last"));
        if (previous != null && previous != state) {
            Group edge = edges.get(key(previous, state));
            if (edge != null) {
                edge.getStyleClass().add("last");
                animate(edge, nodes.get(state));
            }
        }
    }

    public SessionState current() {
        return current;
    }

    /** The arrow drawn last, for tests: "READY>BUSY". */
    public String lastTransition() {
        return edges.entrySet().stream().filter(e -> e.getValue().getStyleClass().contains("last"))
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }

    private void animate(Group edge, StackPane target) {
        if (flash != null) {
            flash.stop();
            // an interrupted flash must not leave its arrow half drawn
            edges.values().forEach(e -> e.setOpacity(1.0));
        }
        edge.setOpacity(0.25);
        flash = new Timeline(new KeyFrame(Duration.ZERO, new KeyValue(edge.opacityProperty(), 0.25)),
                new KeyFrame(Duration.millis(450), new KeyValue(edge.opacityProperty(), 1.0)));
        flash.play();
        FadeTransition pulse = new FadeTransition(Duration.millis(300), target);
        pulse.setFromValue(0.4);
        pulse.setToValue(1.0);
        pulse.play();
    }
}
