package dev.artifacts.repo;

/**
 * The outcome of {@link Repo#merge}.
 *
 * @param commit the commit the target points at now (the merge commit, the source after a
 *     fast-forward, or the unchanged target when it already contained the source)
 * @param target the target's full ref name
 * @param fastForward true when the target moved to the source without a merge commit
 * @param upToDate true when the target already contained the source and nothing changed
 */
public record MergeResult(String commit, String target, boolean fastForward, boolean upToDate) {}
