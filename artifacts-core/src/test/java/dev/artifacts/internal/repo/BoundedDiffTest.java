package dev.artifacts.internal.repo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.EditList;
import org.eclipse.jgit.diff.HistogramDiff;
import org.eclipse.jgit.diff.MyersDiff;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BoundedDiffTest {
  private static final RawTextComparator CMP = RawTextComparator.DEFAULT;

  /**
   * "a" and "b" alternate 70 times each, more than the histogram diff indexes (64): it reports the
   * whole region as one replacement, where Myers finds one deleted and one added line.
   */
  private static RawText alternating(String first, String second) {
    StringBuilder t = new StringBuilder("x\n");
    for (int i = 0; i < 70; i++) {
      t.append(first).append('\n').append(second).append('\n');
    }
    return new RawText(t.append("z\n").toString().getBytes(StandardCharsets.UTF_8));
  }

  private static final RawText OLD = alternating("a", "b");
  private static final RawText NEW = alternating("b", "a");

  private static EditList histogramWithoutFallback(RawText a, RawText b) {
    HistogramDiff h = new HistogramDiff();
    h.setFallbackAlgorithm(null);
    return h.diff(CMP, a, b);
  }

  @Test
  void theSampleTellsTheTwoAlgorithmsApart() {
    assertThat(MyersDiff.INSTANCE.diff(CMP, OLD, NEW)).hasSize(2);
    assertThat(histogramWithoutFallback(OLD, NEW)).containsExactly(new Edit(1, 141, 1, 141));
  }

  @Test
  void aSmallRegionIsComparedWithMyersAsGitDoesAndSpendsTheBudget() {
    BoundedDiff diff = new BoundedDiff(1_000, 10_000);
    assertThat(diff.diff(CMP, OLD, NEW)).isEqualTo(MyersDiff.INSTANCE.diff(CMP, OLD, NEW));
    // the differing region: the 140 alternating lines of each side
    assertThat(diff.myersBudgetLeft()).isEqualTo(10_000 - 280);
  }

  @Test
  void aRegionLargerThanMyersMayTakeGoesToTheHistogramDiff() {
    BoundedDiff diff = new BoundedDiff(279, 10_000);
    assertThat(diff.diff(CMP, OLD, NEW)).isEqualTo(histogramWithoutFallback(OLD, NEW));
    assertThat(diff.myersBudgetLeft()).isEqualTo(10_000);
  }

  @Test
  void onceTheRequestsMyersBudgetIsSpentEveryRegionGoesToTheHistogramDiff() {
    BoundedDiff diff = new BoundedDiff(1_000, 500);
    assertThat(diff.diff(CMP, OLD, NEW)).isEqualTo(MyersDiff.INSTANCE.diff(CMP, OLD, NEW));
    assertThat(diff.myersBudgetLeft()).isEqualTo(220);
    assertThat(diff.diff(CMP, OLD, NEW)).isEqualTo(histogramWithoutFallback(OLD, NEW));
    assertThat(diff.myersBudgetLeft()).isEqualTo(220);
  }

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard: Myers on this would take hours
  void twoLargeFilesWithNothingInCommonAreOneReplacementNotQuadraticWork() {
    int n = 300_000;
    StringBuilder a = new StringBuilder();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      a.append("old ").append(i % 1000).append('\n');
      b.append("new ").append(i % 1000).append('\n');
    }
    RawText oldText = new RawText(a.toString().getBytes(StandardCharsets.UTF_8));
    RawText newText = new RawText(b.toString().getBytes(StandardCharsets.UTF_8));
    EditList edits = new BoundedDiff().diff(CMP, oldText, newText);
    assertThat(edits).containsExactly(new Edit(0, n, 0, n));
  }
}
