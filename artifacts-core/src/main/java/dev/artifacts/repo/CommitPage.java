package dev.artifacts.repo;

import java.util.List;

/**
 * One page of a history listing, newest first.
 *
 * @param commits the commits of this page; never null, empty only when there are no more
 * @param nextCursor the opaque cursor that continues the listing after this page, or null when
 *     this is the last page
 */
public record CommitPage(List<Commit> commits, String nextCursor) {
  public CommitPage {
    commits = List.copyOf(commits);
  }
}
