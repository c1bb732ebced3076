package dev.artifacts.internal.repo;

import org.eclipse.jgit.diff.DiffAlgorithm;
import org.eclipse.jgit.diff.EditList;
import org.eclipse.jgit.diff.HistogramDiff;
import org.eclipse.jgit.diff.MyersDiff;
import org.eclipse.jgit.diff.Sequence;
import org.eclipse.jgit.diff.SequenceComparator;

/**
 * A line diff whose CPU cost per request is bounded whatever a repository holds. Myers, which
 * {@code git diff} uses and whose hunks and counts therefore match git's, costs O((N + M) D) and
 * so up to quadratic time on large, very different inputs. It runs only on a differing region
 * (what is left after the common start and end are removed) of at most {@code maxMyersRegion}
 * lines, and only while this request's Myers budget ({@code myersBudget} region lines in all)
 * lasts. Larger regions, and every region once the budget is spent, go to JGit's histogram diff
 * without fallback, which is close to linear and, where it cannot split a region, reports it as
 * one replacement: its hunks may then differ from git's (never the files' contents). One instance
 * per request; not thread-safe.
 */
final class BoundedDiff extends DiffAlgorithm {
  /** Largest differing region (lines of both sides) given to Myers: at worst ~10^8 steps. */
  static final int MAX_MYERS_REGION = 10_000;
  /** Region lines one request may give to Myers in all: at worst a few seconds of CPU. */
  static final long MYERS_BUDGET = 200_000;

  private final int maxMyersRegion;
  private long myersBudget;
  private final HistogramDiff histogram = new HistogramDiff();

  BoundedDiff() {
    this(MAX_MYERS_REGION, MYERS_BUDGET);
  }

  BoundedDiff(int maxMyersRegion, long myersBudget) {
    this.maxMyersRegion = maxMyersRegion;
    this.myersBudget = myersBudget;
    histogram.setFallbackAlgorithm(null);
  }

  @Override
  public <S extends Sequence> EditList diffNonCommon(SequenceComparator<? super S> cmp, S a, S b) {
    // a and b are the differing region: what is left after the common start and end
    long size = (long) a.size() + b.size();
    if (size <= maxMyersRegion && size <= myersBudget) {
      myersBudget -= size;
      return MyersDiff.INSTANCE.diffNonCommon(cmp, a, b);
    }
    return histogram.diffNonCommon(cmp, a, b);
  }

  /** @return region lines still allowed to Myers in this request */
  long myersBudgetLeft() {
    return myersBudget;
  }
}
