package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.artifacts.Artifacts;
import dev.artifacts.repo.Diff;
import dev.artifacts.repo.FileDiff;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.junit.jupiter.api.Test;

/**
 * A diff request does bounded work whatever the repository holds: it compares at most 64 MiB of
 * text line by line, and reports what lies beyond as truncated (listed, without counts), even
 * when the patch text would fit in {@code maxBytes}.
 */
class DiffLimitsJavaApiTest {
  private static final int FILE = 7 << 20;
  private static final int FILES = 6; // 6 x 2 sides x 7 MiB = 84 MiB of text: past the 64 MiB cap

  private static byte[] text(int version) {
    byte[] b = new byte[FILE];
    for (int i = 0; i < b.length; i++) {
      b[i] = (i % 64 == 63) ? (byte) '\n' : (byte) ('a' + (i / 64) % 26);
    }
    // one changed line near the start
    b[10] = (byte) ('0' + version);
    return b;
  }

  private static ObjectId commit(ObjectInserter ins, ObjectId parent, byte[] content, int seconds)
      throws Exception {
    ObjectId blob = ins.insert(Constants.OBJ_BLOB, content);
    TreeFormatter root = new TreeFormatter();
    for (int f = 0; f < FILES; f++) {
      root.append("f" + f + ".txt", FileMode.REGULAR_FILE, blob);
    }
    CommitBuilder cb = new CommitBuilder();
    cb.setTreeId(ins.insert(root));
    if (parent != null) {
      cb.setParentId(parent);
    }
    PersonIdent who = new PersonIdent("Diff", "diff@example.invalid",
        java.time.Instant.ofEpochSecond(1_600_000_000L + seconds), java.time.ZoneOffset.UTC);
    cb.setAuthor(who);
    cb.setCommitter(who);
    cb.setMessage("v" + seconds + "\n");
    return ins.insert(cb);
  }

  @Test
  void beyondSixtyFourMebibytesOfTextTheDiffIsTruncated() throws Exception {
    try (Artifacts artifacts = Artifacts.builder(new InMemoryStorage()).build()) {
      artifacts.createRepository("big");
      Repository git = artifacts.repository("big").orElseThrow();
      ObjectId first;
      ObjectId second;
      try (ObjectInserter ins = git.newObjectInserter()) {
        first = commit(ins, null, text(1), 0);
        second = commit(ins, first, text(2), 60);
        ins.flush();
      }
      RefUpdate ru = git.updateRef("refs/heads/main");
      ru.setNewObjectId(second);
      assertThat(ru.update()).isEqualTo(RefUpdate.Result.NEW);

      Diff diff = artifacts.repo("big").diff(first.name(), second.name(), 16L << 20);
      List<FileDiff> files = diff.files();
      assertThat(files).hasSize(FILES);
      // 4 files (56 MiB) fit, the 5th would pass 64 MiB
      for (FileDiff f : files.subList(0, 4)) {
        assertThat(f.additions()).as(f.newPath()).isEqualTo(1);
        assertThat(f.deletions()).as(f.newPath()).isEqualTo(1);
        assertThat(f.hunks()).as(f.newPath()).hasSize(1);
      }
      for (FileDiff f : files.subList(4, FILES)) {
        assertThat(f.additions()).as(f.newPath()).isNull();
        assertThat(f.hunks()).as(f.newPath()).isEmpty();
        assertThat(f.status()).isEqualTo(FileDiff.Status.MODIFIED);
      }
      assertThat(diff.truncated()).isTrue();

      assertThat(files.get(0).hunks().get(0).lines())
          .contains("-" + new String(text(1), 0, 63, StandardCharsets.US_ASCII))
          .contains("+" + new String(text(2), 0, 63, StandardCharsets.US_ASCII));
    }
  }
}
