package dev.artifacts.storage.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stock git reads the repository directories as bare repositories. */
class GitCompatibilityTest {
  @TempDir Path dir;
  @TempDir Path work;

  private static boolean gitAvailable;

  @BeforeAll
  static void checkGit() {
    try {
      Process p = new ProcessBuilder("git", "--version").redirectErrorStream(true).start();
      gitAvailable = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      gitAvailable = false;
    }
  }

  private String git(Path cwd, String... args) throws IOException, InterruptedException {
    return git(cwd, null, args);
  }

  private String git(Path cwd, byte[] stdin, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    Map<String, String> env = pb.environment();
    env.put("HOME", work.toString());
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_AUTHOR_NAME", "A");
    env.put("GIT_AUTHOR_EMAIL", "a@example.com");
    env.put("GIT_COMMITTER_NAME", "A");
    env.put("GIT_COMMITTER_EMAIL", "a@example.com");
    env.put("GIT_AUTHOR_DATE", "1700000000 +0000");
    env.put("GIT_COMMITTER_DATE", "1700000000 +0000");
    Path err = Files.createTempFile(work, "err", ".txt");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin);
    }
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String stderr = Files.readString(err);
    assertThat(p.exitValue())
        .as("git %s failed: %s", String.join(" ", args), stderr)
        .isZero();
    return new String(out, StandardCharsets.UTF_8);
  }

  @Test
  void gitReadsRefsAndPacks() throws Exception {
    assumeTrue(gitAvailable, "git is not installed");
    // a source repository with two commits and an annotated tag
    Path src = work.resolve("src");
    Files.createDirectories(src);
    git(src, "init", "-q", "-b", "main");
    Files.writeString(src.resolve("a.txt"), "hello\n");
    git(src, "add", "a.txt");
    git(src, "commit", "-q", "-m", "first");
    Files.writeString(src.resolve("b.txt"), "world\n");
    git(src, "add", "b.txt");
    git(src, "commit", "-q", "-m", "second");
    git(src, "tag", "-a", "-m", "release", "v1");
    ObjectId head = ObjectId.fromString(git(src, "rev-parse", "HEAD").trim());
    ObjectId first = ObjectId.fromString(git(src, "rev-parse", "HEAD~1").trim());
    ObjectId tag = ObjectId.fromString(git(src, "rev-parse", "v1").trim());

    // one pack (with index) of everything
    byte[] objects = git(src, "rev-list", "--objects", "--all").getBytes(StandardCharsets.UTF_8);
    String packHash = git(src, objects, "pack-objects", "-q", work.resolve("out").toString()).trim();
    byte[] pack = Files.readAllBytes(work.resolve("out-" + packHash + ".pack"));
    byte[] idx = Files.readAllBytes(work.resolve("out-" + packHash + ".idx"));

    Path repoDir;
    try (FileSystemStorage s = TestSupport.open(dir)) {
      RepositoryStore r = s.create("r").orElseThrow();
      repoDir = s.repositoryDirectory("r");
      // a fresh repository is already a valid (empty) bare repository
      assertThat(git(work, "--git-dir=" + repoDir, "rev-parse", "--is-bare-repository").trim())
          .isEqualTo("true");

      PackDescriptor d = TestSupport.writePack(r.objects(), "p_1", Map.of("pack", pack, "idx", idx));
      r.objects().commit(List.of(d), List.of());
      // an uncommitted pack is not visible to git either
      TestSupport.writeFile(r.objects(), "pending", "pack", new byte[] {1, 2, 3});
      r.refs()
          .apply(
              List.of(
                  RefChange.create("HEAD", RefValue.symbolic("refs/heads/main")),
                  RefChange.create("refs/heads/main", RefValue.of(head)),
                  RefChange.create("refs/heads/old", RefValue.of(first)),
                  RefChange.create("refs/tags/v1", RefValue.peeled(tag, head))));

      String refs =
          git(work, "--git-dir=" + repoDir, "for-each-ref", "--format=%(objectname) %(refname)");
      assertThat(refs)
          .isEqualTo(
              head.name() + " refs/heads/main\n"
                  + first.name() + " refs/heads/old\n"
                  + tag.name() + " refs/tags/v1\n");
      assertThat(git(work, "--git-dir=" + repoDir, "cat-file", "-p", head.name()))
          .contains("second");
      assertThat(git(work, "--git-dir=" + repoDir, "log", "--format=%s").trim())
          .isEqualTo("second\nfirst");
      assertThat(git(work, "--git-dir=" + repoDir, "show-ref", "-d", "v1"))
          .contains(head.name() + " refs/tags/v1^{}");
      assertThat(git(work, "--git-dir=" + repoDir, "symbolic-ref", "HEAD").trim())
          .isEqualTo("refs/heads/main");
      git(work, "--git-dir=" + repoDir, "fsck", "--strict", "--no-dangling");

      // unborn HEAD
      r.refs()
          .apply(
              List.of(
                  RefChange.update(
                      "HEAD",
                      RefValue.symbolic("refs/heads/main"),
                      RefValue.symbolic("refs/heads/unborn"))));
      assertThat(git(work, "--git-dir=" + repoDir, "symbolic-ref", "HEAD").trim())
          .isEqualTo("refs/heads/unborn");
      // deleting a ref removes it from git's view too
      r.refs().apply(List.of(RefChange.delete("refs/heads/old", RefValue.of(first))));
      assertThat(git(work, "--git-dir=" + repoDir, "for-each-ref", "--format=%(refname)"))
          .isEqualTo("refs/heads/main\nrefs/tags/v1\n");
    }
    // after a restart git still reads everything
    try (FileSystemStorage s = TestSupport.open(dir)) {
      s.open("r").orElseThrow();
      assertThat(git(work, "--git-dir=" + repoDir, "log", "--format=%s", "main").trim())
          .isEqualTo("second\nfirst");
      git(work, "--git-dir=" + repoDir, "fsck", "--no-dangling");
    }
  }

  /** Writes a pack of the objects {@code revs} name (as rev-list args) in {@code src}. */
  private Map<String, byte[]> pack(Path src, String name, String... revs)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("rev-list", "--objects"));
    args.addAll(List.of(revs));
    byte[] objects = git(src, args.toArray(String[]::new)).getBytes(StandardCharsets.UTF_8);
    String hash = git(src, objects, "pack-objects", "-q", work.resolve(name).toString()).trim();
    return Map.of(
        "pack", Files.readAllBytes(work.resolve(name + "-" + hash + ".pack")),
        "idx", Files.readAllBytes(work.resolve(name + "-" + hash + ".idx")));
  }

  @Test
  void gitReadsForksThroughAlternatesWithARelativeDataDir() throws Exception {
    assumeTrue(gitAvailable, "git is not installed");
    Path src = work.resolve("src");
    Files.createDirectories(src);
    git(src, "init", "-q", "-b", "main");
    Files.writeString(src.resolve("a.txt"), "hello\n");
    git(src, "add", "a.txt");
    git(src, "commit", "-q", "-m", "first");
    Files.createDirectories(src.resolve("d"));
    Files.writeString(src.resolve("d/b.txt"), "world\n");
    git(src, "add", "d/b.txt");
    git(src, "commit", "-q", "-m", "second");
    ObjectId second = ObjectId.fromString(git(src, "rev-parse", "HEAD").trim());
    Map<String, byte[]> base = pack(src, "base", "HEAD");
    Files.writeString(src.resolve("d/c.txt"), "again\n");
    git(src, "add", "d/c.txt");
    git(src, "commit", "-q", "-m", "third");
    ObjectId third = ObjectId.fromString(git(src, "rev-parse", "HEAD").trim());
    // only the objects new in the third commit: readable only together with the base pack
    Map<String, byte[]> top = pack(src, "top", "HEAD", "^HEAD~1");

    // the data directory given relative to the JVM's working directory; git runs elsewhere
    Path rel = Path.of("").toAbsolutePath().relativize(dir);
    assertThat(rel.isAbsolute()).isFalse();
    try (FileSystemStorage s = TestSupport.open(rel)) {
      RepositoryStore p = s.create("p").orElseThrow();
      p.objects().commit(List.of(TestSupport.writePack(p.objects(), "base", base)), List.of());
      p.refs()
          .apply(
              List.of(
                  RefChange.create("HEAD", RefValue.symbolic("refs/heads/main")),
                  RefChange.create("refs/heads/main", RefValue.of(second))));
      s.fork("p", "c", true).orElseThrow();
      RepositoryStore gc = s.fork("c", "gc", false).orElseThrow();
      gc.objects().commit(List.of(TestSupport.writePack(gc.objects(), "top", top)), List.of());
      gc.refs()
          .apply(
              List.of(RefChange.update("refs/heads/main", RefValue.of(second), RefValue.of(third))));

      Path pDir = s.repositoryDirectory("p");
      Path cDir = s.repositoryDirectory("c");
      Path gcDir = s.repositoryDirectory("gc");
      assertThat(Files.isSymbolicLink(cDir)).isTrue(); // never written: a link to its view
      assertThat(Files.isSymbolicLink(gcDir)).isFalse();
      // alternates name the parent's objects directory by absolute path
      for (String[] fp : new String[][] {{"c", "p"}, {"gc", "c"}}) {
        String alt =
            Files.readString(s.repositoryDirectory(fp[0]).resolve("objects/info/alternates"));
        assertThat(alt).endsWith("\n").doesNotContain("..");
        Path altPath = Path.of(alt.trim());
        assertThat(altPath.isAbsolute()).isTrue();
        assertThat(altPath).isEqualTo(dir.toAbsolutePath().resolve("repos/" + fp[1] + "/objects"));
        // c, never written, is a link to a view shared with other forks of p; gc has its own
        // directory since its first write
        assertThat(altPath.toRealPath())
            .isEqualTo(dir.resolve("repos/" + fp[1] + "/objects").toRealPath());
      }

      for (Path d : List.of(pDir, cDir, gcDir)) {
        git(work, "--git-dir=" + d.toAbsolutePath(), "fsck", "--strict", "--no-dangling");
      }
      assertThat(git(work, "--git-dir=" + cDir.toAbsolutePath(), "log", "--format=%s").trim())
          .isEqualTo("second\nfirst");
      assertThat(git(work, "--git-dir=" + gcDir.toAbsolutePath(), "log", "--format=%s").trim())
          .isEqualTo("third\nsecond\nfirst");
      assertThat(
              git(work, "--git-dir=" + gcDir.toAbsolutePath(), "cat-file", "-p", "HEAD:d/b.txt"))
          .isEqualTo("world\n");
      // the parents do not see the fork's objects
      assertThat(git(work, "--git-dir=" + pDir.toAbsolutePath(), "log", "--format=%s").trim())
          .isEqualTo("second\nfirst");
    }
  }
}
