package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.Artifacts;
import dev.artifacts.ArtifactsException;
import dev.artifacts.repo.ArchiveFormat;
import dev.artifacts.repo.Blob;
import dev.artifacts.repo.CommitPage;
import dev.artifacts.repo.Diff;
import dev.artifacts.repo.EntryType;
import dev.artifacts.repo.FileDiff;
import dev.artifacts.repo.Repo;
import dev.artifacts.repo.Tree;
import dev.artifacts.storage.mem.InMemoryStorage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Java side of the read API ({@link Repo#log}, {@link Repo#tree}, {@link Repo#blob}, {@link
 * Repo#diff}, {@link Repo#archive}) on an in-memory repository built with JGit, without HTTP:
 * results, streaming of a large blob, and the exceptions the contract names.
 */
class RestReadJavaApiTest {
  private Artifacts artifacts;
  private Repo repo;
  private final List<ObjectId> commits = new ArrayList<>();
  private byte[] large;

  @BeforeEach
  void setUp() throws Exception {
    artifacts = Artifacts.builder(new InMemoryStorage()).build();
    artifacts.createRepository("r");
    Repository git = artifacts.repository("r").orElseThrow();
    large = new byte[3 << 20];
    for (int i = 0; i < large.length; i++) {
      large[i] = (byte) ('a' + i % 26);
    }
    ObjectId parent = null;
    try (ObjectInserter ins = git.newObjectInserter()) {
      for (int c = 0; c < 7; c++) {
        ObjectId a = ins.insert(Constants.OBJ_BLOB, ("version " + c + "\n").getBytes(StandardCharsets.UTF_8));
        ObjectId big = ins.insert(Constants.OBJ_BLOB, large);
        ObjectId run = ins.insert(Constants.OBJ_BLOB, "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8));
        TreeFormatter sub = new TreeFormatter();
        sub.append("run.sh", FileMode.EXECUTABLE_FILE, run);
        ObjectId subTree = ins.insert(sub);
        TreeFormatter root = new TreeFormatter();
        root.append("a.txt", FileMode.REGULAR_FILE, a);
        root.append("big.txt", FileMode.REGULAR_FILE, big);
        root.append("bin", FileMode.TREE, subTree);
        ObjectId tree = ins.insert(root);
        CommitBuilder cb = new CommitBuilder();
        cb.setTreeId(tree);
        if (parent != null) {
          cb.setParentId(parent);
        }
        PersonIdent who = new PersonIdent("Api", "api@example.invalid", java.time.Instant.ofEpochSecond(1_600_000_000L + c * 60L), java.time.ZoneOffset.ofHours(2));
        cb.setAuthor(who);
        cb.setCommitter(who);
        cb.setMessage("commit " + c + "\n");
        parent = ins.insert(cb);
        commits.add(parent);
      }
      ins.flush();
    }
    RefUpdate ru = git.updateRef("refs/heads/main");
    ru.setNewObjectId(parent);
    ru.setExpectedOldObjectId(ObjectId.zeroId());
    assertThat(ru.update()).isIn(RefUpdate.Result.NEW, RefUpdate.Result.FORCED);
    repo = artifacts.repo("r");
  }

  @AfterEach
  void tearDown() {
    artifacts.close();
  }

  @Test
  void logPagesNewestFirstExactlyOnce() {
    List<String> seen = new ArrayList<>();
    CommitPage page = repo.log("main", 3, null);
    while (true) {
      page.commits().forEach(c -> seen.add(c.id()));
      if (page.nextCursor() == null) {
        break;
      }
      page = repo.log(null, 3, page.nextCursor());
    }
    List<String> expected = new ArrayList<>();
    for (int i = commits.size() - 1; i >= 0; i--) {
      expected.add(commits.get(i).name());
    }
    assertThat(seen).isEqualTo(expected);
    assertThat(repo.log("main", 1, null).commits().get(0).committer().when().getOffset().getTotalSeconds()).isEqualTo(7200);
    assertThatThrownBy(() -> repo.log("main", 0, null)).isInstanceOfSatisfying(ArtifactsException.class,
        e -> assertThat(e.kind()).isEqualTo(ArtifactsException.Kind.INVALID));
    assertThatThrownBy(() -> repo.log("main", 501, null)).isInstanceOf(ArtifactsException.class);
    assertThatThrownBy(() -> repo.log(null, 5, "%%%")).isInstanceOfSatisfying(ArtifactsException.class,
        e -> assertThat(e.code()).isEqualTo("invalid_cursor"));
    assertThatThrownBy(() -> repo.log("nope", 5, null)).isInstanceOfSatisfying(ArtifactsException.class,
        e -> assertThat(e.kind()).isEqualTo(ArtifactsException.Kind.NOT_FOUND));
  }

  @Test
  void treeBlobAndStreamingOfALargeBlob() throws Exception {
    Tree tree = repo.tree(null, null, true, 100);
    assertThat(tree.entries()).extracting(e -> e.path()).containsExactly("a.txt", "big.txt", "bin", "bin/run.sh");
    assertThat(tree.entries().get(3).type()).isEqualTo(EntryType.BLOB);
    assertThat(tree.entries().get(3).modeString()).isEqualTo("100755");
    assertThat(tree.entries().get(2).size()).isNull();
    Tree byTreeId = repo.tree(tree.entries().get(2).id(), "", false, 10);
    assertThat(byTreeId.commit()).isNull();
    assertThat(byTreeId.entries()).extracting(e -> e.name()).containsExactly("run.sh");

    Blob big = repo.blob("main", "big.txt");
    assertThat(big.size()).isEqualTo(large.length);
    try (InputStream in = big.openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(large);
    }
    try (InputStream in = repo.blob("main", "a.txt").openStream()) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("version 6\n");
    }
    assertThatThrownBy(() -> repo.blob("main", "bin")).isInstanceOfSatisfying(ArtifactsException.class,
        e -> assertThat(e.code()).isEqualTo("not_a_file"));
    assertThatThrownBy(() -> repo.blob("main", "")).isInstanceOfSatisfying(ArtifactsException.class,
        e -> assertThat(e.code()).isEqualTo("invalid_path"));
    assertThatThrownBy(() -> repo.blob("main", "zzz")).isInstanceOfSatisfying(ArtifactsException.class,
        e -> assertThat(e.getMessage()).contains("zzz"));
  }

  @Test
  void diffAgainstTheFirstParent() {
    Diff d = repo.diff(null, "main", Repo.DEFAULT_DIFF_MAX_BYTES);
    assertThat(d.from()).isEqualTo(commits.get(5).name());
    assertThat(d.files()).singleElement().satisfies(f -> {
      assertThat(f.status()).isEqualTo(FileDiff.Status.MODIFIED);
      assertThat(f.additions()).isEqualTo(1);
      assertThat(f.deletions()).isEqualTo(1);
      assertThat(f.hunks().get(0).lines()).containsExactly("-version 5", "+version 6");
    });
    assertThat(repo.diff(null, commits.get(0).name(), 1 << 20).files()).hasSize(3);
  }

  @Test
  void archivesHoldEveryFile() throws Exception {
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    repo.archive("main", ArchiveFormat.ZIP, zip);
    Map<String, byte[]> files = new HashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.toByteArray()))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        files.put(e.getName(), in.readAllBytes());
      }
    }
    assertThat(files).containsOnlyKeys("a.txt", "big.txt", "bin/", "bin/run.sh");
    assertThat(files.get("big.txt")).isEqualTo(large);

    ByteArrayOutputStream tgz = new ByteArrayOutputStream();
    repo.archive("main", ArchiveFormat.TAR_GZ, tgz);
    byte[] tar = new GZIPInputStream(new ByteArrayInputStream(tgz.toByteArray())).readAllBytes();
    assertThat(tar.length % 10240).isZero();
    assertThat(new String(tar, 0, 100, StandardCharsets.US_ASCII)).startsWith("pax_global_header");
    assertThatThrownBy(() -> repo.archive("nope", ArchiveFormat.ZIP, new ByteArrayOutputStream()))
        .isInstanceOf(ArtifactsException.class);
  }
}
