package dev.artifacts.repo;

/**
 * The outcome of {@link Repo#commit}.
 *
 * @param commit the new commit's id
 * @param tree the new commit's tree id
 * @param branch the full name of the branch that now points at {@code commit}
 */
public record CommitResult(String commit, String tree, String branch) {}
