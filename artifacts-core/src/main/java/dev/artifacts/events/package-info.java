/**
 * One event stream for every change: pushes, REST commits and merges, repository create, fork
 * and delete, token issue, revoke and rotate.
 *
 * <p>Get the service with {@link dev.artifacts.Artifacts#events()}. Events are kept in memory for
 * a configurable retention ({@link dev.artifacts.Artifacts.Builder#eventRetention} and {@link
 * dev.artifacts.Artifacts.Builder#eventRetentionCount}); they are not stored durably and do not
 * survive a restart. The servlet serves the same stream as Server-Sent Events under {@code
 * /v1/events} and {@code /v1/repos/{id}/events}.
 */
package dev.artifacts.events;
