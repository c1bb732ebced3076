package dev.artifacts.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read endpoints (refs, commits, tree, blob, diff, notes, archive) over real HTTP against
 * the runnable jar's server (fs backend), each checked against what the stock {@code git} CLI
 * says about the same repository.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestReadEndToEndTest {
  private Path tmp;

  private ArtifactsServer server;
  private RestHarness rest;
  private GitE2e g;
  private String admin;
  private String token;
  private Path work;
  private byte[] binary;
  private String renameCommit;
  private String firstCommit;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    tmp = dir;
    Files.createDirectories(tmp.resolve("data"));
    server = ArtifactsServer.start(new ServerConfig(tmp.resolve("data"), "fs", "127.0.0.1", 0, null));
    rest = RestHarness.of(server);
    g = new GitE2e(tmp.resolve("work"));
    admin = server.adminToken();
    Map<String, Object> created = rest.createRepo("site");
    token = (String) created.get("token");
    work = g.initRepo("site", (String) created.get("remote"));

    firstCommit = g.commitAt(work, "first\n\nwith a body", Map.of("README.md", "hello\n"), "2020-01-01T00:00:00+0000");
    for (int i = 1; i <= 6; i++) {
      g.commitAt(work, "change " + i, Map.of("log.txt", "line " + i + "\n"), "2020-01-0" + (i + 1) + "T00:00:00+0200");
    }
    // a side branch merged back, so history is not a straight line
    g.gitOk(work, "checkout", "-q", "-b", "feature/x");
    g.commitAt(work, "side", Map.of("side.txt", "side\n"), "2020-02-01T00:00:00+0000");
    g.gitOk(work, "checkout", "-q", "main");
    g.commitAt(work, "main again", Map.of("main.txt", "main\n"), "2020-02-02T00:00:00+0000");
    g.gitOkEnv(work, Map.of("GIT_AUTHOR_DATE", "2020-02-03T00:00:00+0000", "GIT_COMMITTER_DATE", "2020-02-03T00:00:00+0000"),
        "merge", "-q", "--no-ff", "-m", "merge side", "feature/x");

    // the content the tree, blob and archive tests look at
    binary = new byte[300_000];
    new Random(42).nextBytes(binary);
    binary[10] = 0;
    Files.write(work.resolve("data.bin"), binary);
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 60_000; i++) {
      big.append("big line ").append(i).append('\n');
    }
    GitE2e.write(work.resolve("docs/big.txt"), big.toString());
    GitE2e.write(work.resolve("bin/run.sh"), "#!/bin/sh\necho run\n");
    Files.setPosixFilePermissions(work.resolve("bin/run.sh"),
        Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
    Files.createSymbolicLink(work.resolve("link"), Path.of("README.md"));
    String longDir = "a-rather-long-directory-name-that-goes-on/" .repeat(4);
    GitE2e.write(work.resolve(longDir + "and-a-long-file-name-to-need-a-pax-or-prefix-header-in-tar.txt"), "deep\n");
    GitE2e.write(work.resolve("ünïcödé.txt"), "unicode\n");
    GitE2e.write(work.resolve("empty"), "");
    StringBuilder source = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      source.append("  line ").append(i).append(" of the moved file\n");
    }
    GitE2e.write(work.resolve("src/Old.java"), source.toString());
    GitE2e.write(work.resolve("gone.txt"), "to be deleted\n");
    g.commitAt(work, "content", Map.of(), "2020-03-01T00:00:00+0000");
    g.gitOk(work, "tag", "-a", "v1", "-m", "release one");

    // a rename with a small edit, a modification, a deletion, an addition and a binary change
    g.gitOk(work, "mv", "src/Old.java", "src/New.java");
    GitE2e.write(work.resolve("src/New.java"), source.toString().replace("line 20 ", "line twenty "));
    GitE2e.write(work.resolve("README.md"), "hello\nworld\n");
    Files.delete(work.resolve("gone.txt"));
    GitE2e.write(work.resolve("added.txt"), "new\nfile\n");
    binary[5] ^= 1;
    Files.write(work.resolve("data.bin"), binary);
    renameCommit = g.commitAt(work, "rename and friends", Map.of(), "2020-03-02T00:00:00+0000");
    g.gitOk(work, "notes", "add", "-m", "reviewed by alice", renameCommit);
    g.gitOk(work, "notes", "--ref=review", "add", "-m", "first ever", firstCommit);
    g.gitOk(work, "push", "-q", "origin", "main", "feature/x", "v1", "refs/notes/commits", "refs/notes/review");
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private RestHarness.Answer get(String path) {
    return rest.get("/v1/repos/site" + path, token);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  // ------------------------------------------------------------------ refs

  @Test
  void refsMatchLsRemoteWithHeadAndPeeledTags() {
    Map<String, Object> refs = get("/refs").expect(200).json();
    assertThat(refs.get("head")).isEqualTo("refs/heads/main");
    Map<String, String> byName = new TreeMap<>();
    for (Map<String, Object> r : list(refs.get("refs"))) {
      byName.put((String) r.get("name"), (String) r.get("objectId"));
      if (r.get("name").equals("refs/tags/v1")) {
        assertThat(r.get("peeledId")).isEqualTo(g.rev(work, "v1^{commit}"));
      }
    }
    Map<String, String> expected = new TreeMap<>();
    for (String line : g.gitOk(work, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags", "refs/notes").out().split("\n")) {
      String[] p = line.split(" ", 2);
      expected.put(p[1], p[0]);
    }
    assertThat(byName).isEqualTo(expected);
  }

  // ------------------------------------------------------------------ commits

  @Test
  void pagingCoversTheWholeHistoryExactlyOnceInGitLogOrder() {
    List<String> expected = Arrays.asList(g.gitOk(work, "log", "--format=%H", "main").out().split("\n"));
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      RestHarness.Answer a = get("/commits?ref=main&limit=3" + (cursor == null ? "" : "&cursor=" + cursor)).expect(200);
      Map<String, Object> page = a.json();
      for (Map<String, Object> c : list(page.get("commits"))) {
        seen.add((String) c.get("id"));
      }
      cursor = (String) page.get("nextCursor");
      if (cursor != null) {
        assertThat(a.header("Link")).contains("rel=\"next\"").contains("cursor=" + cursor);
      } else {
        assertThat(a.header("Link")).isNull();
      }
      pages++;
    } while (cursor != null && pages < 100);
    assertThat(seen).isEqualTo(expected);
    assertThat(pages).isEqualTo((expected.size() + 2) / 3);
  }

  @Test
  void commitFieldsMatchGit() {
    Map<String, Object> page = get("/commits?ref=" + firstCommit + "&limit=1").expect(200).json();
    Map<String, Object> c = list(page.get("commits")).get(0);
    assertThat(c.get("id")).isEqualTo(firstCommit);
    assertThat(c.get("tree")).isEqualTo(g.rev(work, firstCommit + "^{tree}"));
    assertThat(c.get("parents")).isEqualTo(List.of());
    assertThat(c.get("message")).isEqualTo("first\n\nwith a body\n");
    @SuppressWarnings("unchecked")
    Map<String, Object> author = (Map<String, Object>) c.get("author");
    assertThat(author.get("name")).isEqualTo("E2E Tester");
    assertThat(author.get("email")).isEqualTo("e2e@example.invalid");
    assertThat(author.get("date")).isEqualTo("2020-01-01T00:00:00Z");
    assertThat(page.get("nextCursor")).isNull();

    Map<String, Object> merge = list(get("/commits?ref=main&limit=50").expect(200).json().get("commits")).stream()
        .filter(m -> m.get("message").equals("merge side\n")).findFirst().orElseThrow();
    String mergeId = (String) merge.get("id");
    assertThat(merge.get("parents")).isEqualTo(List.of(g.rev(work, mergeId + "^1"), g.rev(work, mergeId + "^2")));
    Map<String, Object> dated = list(get("/commits?ref=" + g.rev(work, "main~3") + "&limit=1").expect(200).json().get("commits")).get(0);
    assertThat(dated.get("id")).isEqualTo(g.rev(work, "main~3"));
  }

  @Test
  void commitsDefaultToHeadAndRejectBadInput() {
    Map<String, Object> page = get("/commits").expect(200).json();
    assertThat(list(page.get("commits")).get(0).get("id")).isEqualTo(g.rev(work, "main"));
    assertThat(get("/commits?limit=0").expect(400).errorCode()).isEqualTo("invalid_parameter");
    assertThat(get("/commits?limit=501").expect(400).errorCode()).isEqualTo("invalid_parameter");
    assertThat(get("/commits?limit=abc").expect(400).errorCode()).isEqualTo("invalid_parameter");
    assertThat(get("/commits?cursor=not-a-cursor").expect(400).errorCode()).isEqualTo("invalid_cursor");
    assertThat(get("/commits?ref=nope").expect(404).error().get("message").toString()).contains("nope");
    assertThat(get("/commits?ref=0123456789012345678901234567890123456789").expect(404).errorCode()).isEqualTo("not_found");
    assertThat(get("/commits?ref=feature/x&limit=1").expect(200).json().get("commits").toString())
        .contains(g.rev(work, "feature/x"));
    assertThat(get("/commits?ref=bad..name").expect(400).errorCode()).isEqualTo("invalid_revision");
  }

  // ------------------------------------------------------------------ tree

  @Test
  void recursiveTreeMatchesLsTree() {
    Map<String, Object> tree = get("/tree?ref=v1&recursive=true").expect(200).json();
    assertThat(tree.get("commit")).isEqualTo(g.rev(work, "v1^{commit}"));
    assertThat(tree.get("truncated")).isEqualTo(false);
    List<String> ours = new ArrayList<>();
    for (Map<String, Object> e : list(tree.get("entries"))) {
      ours.add(e.get("mode") + " " + e.get("type") + " " + e.get("id") + " " + (e.get("size") == null ? "-" : e.get("size")) + "\t" + e.get("path"));
    }
    List<String> theirs = new ArrayList<>();
    for (String line : g.gitOk(work, "-c", "core.quotePath=false", "ls-tree", "-r", "-t", "-l", "v1").out().split("\n")) {
      String[] tab = line.split("\t", 2);
      String[] f = tab[0].trim().split(" +");
      String mode = f[0];
      String type = mode.equals("120000") ? "symlink" : f[1];
      theirs.add(mode + " " + type + " " + f[2] + " " + f[3] + "\t" + tab[1]);
    }
    assertThat(ours).isEqualTo(theirs);
    assertThat(ours).anyMatch(l -> l.startsWith("100755 blob")).anyMatch(l -> l.startsWith("120000 symlink"))
        .anyMatch(l -> l.startsWith("040000 tree"));
  }

  @Test
  void treeOfADirectoryAFileAndErrors() {
    Map<String, Object> docs = get("/tree?ref=main&path=docs").expect(200).json();
    assertThat(list(docs.get("entries"))).extracting(e -> e.get("path")).containsExactly("docs/big.txt");
    assertThat(list(docs.get("entries")).get(0).get("name")).isEqualTo("big.txt");
    Map<String, Object> file = get("/tree?ref=main&path=bin/run.sh").expect(200).json();
    assertThat(list(file.get("entries"))).singleElement().satisfies(e -> {
      assertThat(e.get("mode")).isEqualTo("100755");
      assertThat(e.get("size")).isEqualTo(19L);
    });
    Map<String, Object> top = get("/tree").expect(200).json();
    assertThat(list(top.get("entries"))).extracting(e -> e.get("name")).contains("README.md", "bin", "src").doesNotContain("run.sh");
    Map<String, Object> limited = get("/tree?recursive=1&limit=2").expect(200).json();
    assertThat(list(limited.get("entries"))).hasSize(2);
    assertThat(limited.get("truncated")).isEqualTo(true);

    assertThat(get("/tree?ref=main&path=no/such").expect(404).error().get("message").toString()).contains("no/such");
    assertThat(get("/tree?ref=nosuchref").expect(404).error().get("message").toString()).contains("nosuchref");
    assertThat(get("/tree?path=a/../b").expect(400).errorCode()).isEqualTo("invalid_path");
    assertThat(get("/tree?recursive=maybe").expect(400).errorCode()).isEqualTo("invalid_parameter");
  }

  // ------------------------------------------------------------------ blob

  @Test
  void blobBytesTypesAndEtag() throws Exception {
    RestHarness.Answer readme = get("/blob?ref=v1&path=README.md").expect(200);
    assertThat(readme.text()).isEqualTo("hello\n");
    assertThat(readme.header("Content-Type").replace(" ", "")).isEqualToIgnoringCase("text/plain;charset=utf-8");
    assertThat(readme.header("X-Content-Type-Options")).isEqualTo("nosniff");
    String blobId = g.rev(work, "v1:README.md");
    assertThat(readme.header("ETag")).isEqualTo("\"" + blobId + "\"");
    assertThat(readme.header("Accept-Ranges")).isEqualTo("bytes");

    RestHarness.Answer bin = get("/blob?ref=main&path=data.bin").expect(200);
    assertThat(bin.bytes()).isEqualTo(binary);
    assertThat(bin.header("Content-Type")).isEqualTo("application/octet-stream");

    RestHarness.Answer big = get("/blob?ref=main&path=docs/big.txt").expect(200);
    assertThat(big.bytes()).isEqualTo(Files.readAllBytes(work.resolve("docs/big.txt")));
    assertThat(get("/blob?ref=main&path=link").expect(200).text()).isEqualTo("README.md");
    assertThat(get("/blob?ref=main&path=empty").expect(200).bytes()).isEmpty();
    assertThat(get("/blob?ref=main&path=" + java.net.URLEncoder.encode("ünïcödé.txt", StandardCharsets.UTF_8)).expect(200).text())
        .isEqualTo("unicode\n");

    RestHarness.Answer notModified = rest.get("/v1/repos/site/blob?ref=v1&path=README.md", token, "If-None-Match", "\"" + blobId + "\"");
    notModified.expect(304);
    assertThat(notModified.bytes()).isEmpty();
    assertThat(notModified.header("ETag")).isEqualTo("\"" + blobId + "\"");
    rest.get("/v1/repos/site/blob?ref=main&path=README.md", token, "If-None-Match", "\"" + blobId + "\"").expect(200);
  }

  @Test
  void blobRanges() {
    String path = "/v1/repos/site/blob?ref=main&path=data.bin";
    RestHarness.Answer mid = rest.get(path, token, "Range", "bytes=100-199").expect(206);
    assertThat(mid.bytes()).isEqualTo(Arrays.copyOfRange(binary, 100, 200));
    assertThat(mid.header("Content-Range")).isEqualTo("bytes 100-199/" + binary.length);
    assertThat(rest.get(path, token, "Range", "bytes=-10").expect(206).bytes())
        .isEqualTo(Arrays.copyOfRange(binary, binary.length - 10, binary.length));
    assertThat(rest.get(path, token, "Range", "bytes=299990-").expect(206).bytes())
        .isEqualTo(Arrays.copyOfRange(binary, 299_990, binary.length));
    assertThat(rest.get(path, token, "Range", "bytes=299990-999999999").expect(206).header("Content-Range"))
        .isEqualTo("bytes 299990-299999/300000");
    RestHarness.Answer bad = rest.get(path, token, "Range", "bytes=300000-").expect(416);
    assertThat(bad.header("Content-Range")).isEqualTo("bytes */300000");
    // several ranges, or a stale If-Range: the whole blob
    assertThat(rest.get(path, token, "Range", "bytes=0-1,5-6").expect(200).bytes()).isEqualTo(binary);
    assertThat(rest.get(path, token, "Range", "bytes=0-1", "If-Range", "\"0000\"").expect(200).bytes()).isEqualTo(binary);
    RestHarness.Answer head = rest.call("HEAD", path, token, null).expect(200);
    assertThat(head.bytes()).isEmpty();
    assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(binary.length));
    assertThat(head.header("ETag")).isEqualTo("\"" + g.rev(work, "main:data.bin") + "\"");
  }

  @Test
  void blobErrors() {
    assertThat(get("/blob?ref=main&path=nope.txt").expect(404).error().get("message").toString()).contains("nope.txt");
    assertThat(get("/blob?ref=nope&path=README.md").expect(404).error().get("message").toString()).contains("nope");
    assertThat(get("/blob?ref=main&path=docs").expect(400).errorCode()).isEqualTo("not_a_file");
    assertThat(get("/blob?ref=main").expect(400).errorCode()).isEqualTo("invalid_parameter");
    assertThat(rest.call("POST", "/v1/repos/site/blob?path=x", token, "{}").expect(405).errorCode())
        .isEqualTo("method_not_allowed");
    RestHarness.Answer put = rest.call("PUT", "/v1/repos/site/commits", token, "{}").expect(405);
    assertThat(put.header("Allow")).isEqualTo("GET, POST");
  }

  // ------------------------------------------------------------------ diff

  @Test
  void diffMatchesGitNumstatWithRenames() {
    Map<String, Object> diff = get("/diff?from=v1&to=main").expect(200).json();
    assertThat(diff.get("to")).isEqualTo(g.rev(work, "main"));
    assertThat(diff.get("truncated")).isEqualTo(false);
    Map<String, String> ours = new TreeMap<>();
    for (Map<String, Object> f : list(diff.get("files"))) {
      String path = f.get("newPath") != null ? (String) f.get("newPath") : (String) f.get("oldPath");
      String counts = Boolean.TRUE.equals(f.get("binary")) ? "-\t-" : f.get("additions") + "\t" + f.get("deletions");
      ours.put(path, counts + "\t" + f.get("status") + (f.get("status").equals("renamed") ? "\t" + f.get("oldPath") : ""));
    }
    Map<String, String> theirs = new TreeMap<>();
    String numstat = g.gitOk(work, "diff", "--numstat", "-z", "-M", "v1", "main").stdout();
    String status = g.gitOk(work, "diff", "--name-status", "-M", "v1", "main").out();
    Map<String, String> statusOf = new HashMap<>();
    for (String line : status.split("\n")) {
      String[] p = line.split("\t");
      String s = switch (p[0].charAt(0)) {
        case 'A' -> "added";
        case 'M' -> "modified";
        case 'D' -> "deleted";
        case 'R' -> "renamed";
        default -> "other";
      };
      statusOf.put(p[p.length - 1], s + (s.equals("renamed") ? "\t" + p[1] : ""));
    }
    String[] parts = numstat.split("\0");
    for (int i = 0; i < parts.length; i++) {
      String[] f = parts[i].split("\t", 3);
      String path = f[2];
      if (path.isEmpty()) { // rename: old and new path follow
        path = parts[i + 2];
        i += 2;
      }
      theirs.put(path, f[0] + "\t" + f[1] + "\t" + statusOf.get(path));
    }
    assertThat(ours).isEqualTo(theirs);
    assertThat(ours.get("src/New.java")).endsWith("renamed\tsrc/Old.java");

    Map<String, Object> readme = list(diff.get("files")).stream().filter(f -> "README.md".equals(f.get("newPath"))).findFirst().orElseThrow();
    List<Map<String, Object>> hunks = list(readme.get("hunks"));
    assertThat(hunks).singleElement().satisfies(h -> {
      assertThat(h.get("header")).isEqualTo("@@ -1 +1,2 @@");
      assertThat(h.get("lines")).isEqualTo(List.of(" hello", "+world"));
    });
    assertThat(readme.get("oldMode")).isEqualTo("100644");
    Map<String, Object> bin = list(diff.get("files")).stream().filter(f -> "data.bin".equals(f.get("newPath"))).findFirst().orElseThrow();
    assertThat(bin.get("binary")).isEqualTo(true);
    assertThat(list(bin.get("hunks"))).isEmpty();
  }

  @Test
  void diffDefaultsToFirstParentAndTruncates() {
    Map<String, Object> diff = get("/diff?to=" + renameCommit).expect(200).json();
    assertThat(diff.get("from")).isEqualTo(g.rev(work, renameCommit + "^"));
    Map<String, Object> root = get("/diff?to=" + firstCommit).expect(200).json();
    assertThat(root.get("from")).isNull();
    assertThat(list(root.get("files"))).singleElement().satisfies(f -> assertThat(f.get("status")).isEqualTo("added"));

    Map<String, Object> cut = get("/diff?from=v1&to=main&maxBytes=10").expect(200).json();
    assertThat(cut.get("truncated")).isEqualTo(true);
    assertThat(list(cut.get("files"))).hasSize(list(diff.get("files")).size());
    assertThat(get("/diff?from=nope&to=main").expect(404).error().get("message").toString()).contains("nope");
    assertThat(get("/diff?maxBytes=-1").expect(400).errorCode()).isEqualTo("invalid_parameter");
  }

  // ------------------------------------------------------------------ notes

  @Test
  void notesOfACommitAndListing() {
    Map<String, Object> note = get("/notes?commit=" + renameCommit).expect(200).json();
    assertThat(note.get("message")).isEqualTo(g.gitOk(work, "notes", "show", renameCommit).stdout());
    assertThat(note.get("object")).isEqualTo(renameCommit);
    assertThat(note.get("noteId")).isEqualTo(g.gitOk(work, "notes", "list", renameCommit).out());

    Map<String, Object> review = get("/notes?ref=review&commit=" + firstCommit).expect(200).json();
    assertThat(review.get("message")).isEqualTo("first ever\n");
    Map<String, Object> all = get("/notes?ref=refs/notes/review").expect(200).json();
    assertThat(list(all.get("notes"))).extracting(n -> n.get("object")).containsExactly(firstCommit);

    assertThat(get("/notes?commit=" + firstCommit).expect(404).error().get("message").toString()).contains(firstCommit);
    assertThat(get("/notes?ref=nope").expect(404).error().get("message").toString()).contains("refs/notes/nope");
    assertThat(get("/notes?commit=nope").expect(404).error().get("message").toString()).contains("nope");
  }

  // ------------------------------------------------------------------ archives

  @Test
  void zipArchiveUnpacksLikeGitArchive() throws Exception {
    compareArchive("main", "zip");
    compareArchive("v1", "zip");
  }

  @Test
  void tarGzArchiveUnpacksLikeGitArchive() throws Exception {
    compareArchive("main", "tar.gz");
    compareArchive("feature/x", "tar.gz");
  }

  @Test
  void archiveOfABranchWithSlashesAndErrors() throws Exception {
    RestHarness.Answer a = get("/archive/feature/x.zip").expect(200);
    assertThat(a.header("Content-Type")).isEqualTo("application/zip");
    assertThat(a.header("Content-Disposition")).isEqualTo("attachment; filename=\"site-feature-x.zip\"");
    assertThat(get("/archive/nope.zip").expect(404).error().get("message").toString()).contains("nope");
    assertThat(get("/archive/main.rar").expect(400).errorCode()).isEqualTo("invalid_parameter");
    assertThat(get("/archive/" + g.rev(work, "main^{tree}") + ".tar.gz").expect(200).header("Content-Type"))
        .isEqualTo("application/gzip");
  }

  private void compareArchive(String rev, String ext) throws Exception {
    Path dir = g.newDir("archive-" + ext);
    Files.createDirectories(dir);
    Path ours = dir.resolve("ours." + ext);
    Files.write(ours, get("/archive/" + rev + "." + ext).expect(200).bytes());
    Path theirs = dir.resolve("theirs." + ext);
    g.gitOk(work, "archive", "--format=" + ext, "-o", theirs.toString(), rev);
    Path a = unpack(ours, dir.resolve("ours"));
    Path b = unpack(theirs, dir.resolve("theirs"));
    Map<String, String> want = describe(b);
    assertThat(want).isNotEmpty();
    assertThat(describe(a)).isEqualTo(want);
  }

  private Path unpack(Path archive, Path into) throws IOException {
    Files.createDirectories(into);
    GitE2e.Result r = archive.toString().endsWith(".zip")
        ? g.run(into, Map.of(), null, List.of("unzip", "-q", archive.toString()))
        : g.run(into, Map.of(), null, List.of("tar", "xzf", archive.toString()));
    assertThat(r.ok()).as(r.describe()).isTrue();
    return into;
  }

  /** path -> kind, executable bit, content digest or link target; for every entry under root. */
  private static Map<String, String> describe(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        String rel = root.relativize(p).toString();
        if (rel.isEmpty()) {
          continue;
        }
        if (Files.isSymbolicLink(p)) {
          out.put(rel, "link " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          out.put(rel, "dir");
        } else {
          boolean exec = Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE);
          out.put(rel, "file " + (exec ? "x " : "- ") + sha256(Files.readAllBytes(p)));
        }
      }
    }
    return out;
  }

  private static String sha256(byte[] b) {
    try {
      return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ auth

  @Test
  void authNegativesNeverRevealTheRepository() {
    for (String path : List.of("/refs", "/commits", "/tree", "/blob?path=README.md", "/diff", "/notes", "/archive/main.zip")) {
      assertThat(rest.get("/v1/repos/site" + path, null).expect(401).header("WWW-Authenticate")).startsWith("Bearer");
      assertThat(rest.get("/v1/repos/site" + path, "art_bogus").expect(401).errorCode()).isEqualTo("unauthorized");
      String other = (String) rest.createRepo(GitE2e.newRepoId("other")).get("token");
      assertThat(rest.get("/v1/repos/site" + path, other).expect(403).errorCode()).isEqualTo("forbidden");
      assertThat(rest.get("/v1/repos/nosuchrepo" + path, other).expect(403).errorCode()).isEqualTo("forbidden");
      assertThat(rest.get("/v1/repos/nosuchrepo" + path, admin).expect(404).errorCode()).isEqualTo("not_found");
    }
  }

  @Test
  void readTokenMayReadAndPostOnCommitsIsNotServedHere() {
    String read = (String) rest.post("/v1/repos/site/tokens", admin, Map.of("scope", "read")).expect(201).json().get("token");
    get("/refs").expect(200);
    assertThat(rest.get("/v1/repos/site/refs", read).expect(200).json().get("head")).isEqualTo("refs/heads/main");
    // POST /commits is the write group's; without it the handler answers 404 (or that group answers)
    assertThat(rest.post("/v1/repos/site/commits", admin, Map.of()).status()).isNotEqualTo(200);
  }
}
