package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.Artifacts;
import dev.artifacts.repo.ArchiveFormat;
import dev.artifacts.repo.Repo;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
 * {@link Repo#archive} when writing fails part way (a client that goes away): the exception
 * reaches the caller and nothing is left behind, not even the temporary file a ZIP's large
 * central directory spills to.
 */
class ArchiveFailureJavaApiTest {
  private static final int ENTRIES = 40_000;

  @Test
  void aFailedZipLeavesNoTemporaryFile() throws Exception {
    Artifacts artifacts = Artifacts.builder(new InMemoryStorage()).build();
    artifacts.createRepository("r");
    Repository git = artifacts.repository("r").orElseThrow();
    try (ObjectInserter ins = git.newObjectInserter()) {
      ObjectId blob = ins.insert(Constants.OBJ_BLOB, new byte[] {'x'});
      TreeFormatter tree = new TreeFormatter();
      for (int i = 0; i < ENTRIES; i++) {
        // 100-byte names: the central directory outgrows its in-memory part (4 MiB)
        tree.append(String.format("%07d", i) + "-".repeat(93), FileMode.REGULAR_FILE, blob);
      }
      CommitBuilder cb = new CommitBuilder();
      cb.setTreeId(ins.insert(tree));
      cb.setAuthor(new PersonIdent("a", "a@example.com"));
      cb.setCommitter(new PersonIdent("a", "a@example.com"));
      cb.setMessage("many\n");
      ObjectId commit = ins.insert(cb);
      ins.flush();
      RefUpdate ru = git.updateRef("refs/heads/many");
      ru.setNewObjectId(commit);
      assertThat(ru.update()).isEqualTo(RefUpdate.Result.NEW);
    }
    Repo repo = artifacts.repo("r");

    Set<Path> before = spills();
    // fails once the entries are out, while the central directory is being copied
    OutputStream failing = new OutputStream() {
      private long written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        written += len;
        if (written > 6L << 20) {
          throw new IOException("client went away");
        }
      }
    };
    assertThatThrownBy(() -> repo.archive("many", ArchiveFormat.ZIP, failing))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("client went away");
    assertThat(spills()).isSubsetOf(before);

    // a failure while the entries are written (before the central directory is copied) as well
    OutputStream early = new OutputStream() {
      private long written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        written += len;
        if (written > 5L << 20) {
          throw new IOException("client went away");
        }
      }
    };
    assertThatThrownBy(() -> repo.archive("many", ArchiveFormat.ZIP, early)).isInstanceOf(IOException.class);
    assertThat(spills()).isSubsetOf(before);
  }

  private static Set<Path> spills() throws IOException {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("artifacts-zip-central"))
          .collect(Collectors.toSet());
    }
  }
}
