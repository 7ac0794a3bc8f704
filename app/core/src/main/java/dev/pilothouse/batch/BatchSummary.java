package dev.pilothouse.batch;

/** A batch and its rows' counts per status: a line of {@code batch list}, a row of the console's view. */
public record BatchSummary(Batch batch, BatchCounts counts) {
}
