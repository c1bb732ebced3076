package dev.artifacts;

import java.util.List;
import java.util.Objects;

/**
 * A summary of one repository, as the caller may see it (refs hidden from the caller are left
 * out).
 *
 * @param id the repository id
 * @param parentId the repository it was forked from, or null
 * @param readOnly whether every write is refused
 * @param head the ref HEAD points at (for example {@code refs/heads/main}), or null when HEAD is
 *     detached or hidden
 * @param refs the visible refs, sorted by name
 * @param sizeBytes bytes of pack data the repository stores itself (a fork's shared objects are
 *     counted with its parent)
 * @param commitCount commits reachable from the visible refs
 * @param forkCount direct forks of the repository
 */
public record RepositoryInfo(
    String id,
    String parentId,
    boolean readOnly,
    String head,
    List<RefInfo> refs,
    long sizeBytes,
    long commitCount,
    int forkCount) {
  public RepositoryInfo {
    Objects.requireNonNull(id, "id");
    refs = List.copyOf(refs);
  }

}
