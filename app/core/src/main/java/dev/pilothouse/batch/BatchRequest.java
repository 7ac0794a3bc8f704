package dev.pilothouse.batch;

import java.util.List;

/**
 * A batch to submit: {@code template} (its latest version, or {@code templateVersion}) for every
 * input row, then each template of {@code then} in turn as a remix of the row's previous session.
 *
 * @param collect a file in each session's workspace to collect instead of its reply; null: the reply
 */
public record BatchRequest(String template, Integer templateVersion, List<BatchInputs.Row> rows, int parallel,
                           int retries, String collect, List<String> then) {
    public static final int MAX_PARALLEL = 64;
    public static final int MAX_RETRIES = 10;
    public static final int MAX_STAGES = 10;
}
