package dev.artifacts.conformance;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TagBuilder;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Generates a deterministic Git history in a local bare repository: text and binary files that
 * change a little per commit (so packs use deltas), an executable and a symlink, nested
 * directories, deletions, a branch, a merge, an annotated and a lightweight tag.
 */
final class History {
  private final Repository repo;
  private final SplittableRandom random;
  private int commits;

  private History(Repository repo, long seed) {
    this.repo = repo;
    this.random = new SplittableRandom(seed);
  }

  /** Creates a bare repository in {@code dir} with HEAD on {@code main}. */
  static History create(File dir, long seed) throws GitAPIException {
    Repository repo =
        Git.init().setBare(true).setDirectory(dir).setInitialBranch("main").call().getRepository();
    return new History(repo, seed);
  }

  Repository repository() {
    return repo;
  }

  /**
   * The standard history: 20 commits on main, a {@code feature} branch of 5 commits from main~10,
   * a merge of it into main, an annotated tag {@code v1.0} on main~3 and a lightweight tag
   * {@code light} on the feature tip.
   */
  History standard() throws IOException {
    List<ObjectId> main = commits("refs/heads/main", 20);
    ObjectId fork = main.get(main.size() - 11);
    setRef("refs/heads/feature", fork);
    List<ObjectId> feature = commits("refs/heads/feature", 5);
    merge("refs/heads/main", feature.get(feature.size() - 1));
    annotatedTag("v1.0", main.get(main.size() - 4));
    setRef("refs/tags/light", feature.get(feature.size() - 1));
    return this;
  }

  /** Adds {@code count} commits on {@code ref} (created when missing) and returns their ids. */
  List<ObjectId> commits(String ref, int count) throws IOException {
    List<ObjectId> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Ref current = repo.exactRef(ref);
      ObjectId parent = current == null ? null : current.getObjectId();
      ObjectId c = commit(parent == null ? List.of() : List.of(parent), parent);
      setRef(ref, c);
      out.add(c);
    }
    return out;
  }

  /** Merges {@code other} into {@code ref}: the tree of ref's tip plus one new file. */
  ObjectId merge(String ref, ObjectId other) throws IOException {
    ObjectId tip = repo.exactRef(ref).getObjectId();
    ObjectId c = commit(List.of(tip, other), tip);
    setRef(ref, c);
    return c;
  }

  ObjectId annotatedTag(String name, ObjectId target) throws IOException {
    try (ObjectInserter ins = repo.newObjectInserter()) {
      TagBuilder t = new TagBuilder();
      t.setObjectId(target, Constants.OBJ_COMMIT);
      t.setTag(name);
      t.setTagger(ident());
      t.setMessage("release " + name + "\n");
      ObjectId id = ins.insert(t);
      ins.flush();
      setRef(Constants.R_TAGS + name, id);
      return id;
    }
  }

  void setRef(String ref, ObjectId id) throws IOException {
    RefUpdate u = repo.updateRef(ref);
    u.setNewObjectId(id);
    u.setForceUpdate(true);
    RefUpdate.Result r = u.update();
    if (r != RefUpdate.Result.NEW && r != RefUpdate.Result.FORCED
        && r != RefUpdate.Result.FAST_FORWARD && r != RefUpdate.Result.NO_CHANGE) {
      throw new IOException("cannot set " + ref + ": " + r);
    }
  }

  private ObjectId commit(List<ObjectId> parents, ObjectId base) throws IOException {
    commits++;
    try (ObjectInserter ins = repo.newObjectInserter(); ObjectReader reader = repo.newObjectReader()) {
      DirCache dc;
      if (base == null) {
        dc = DirCache.newInCore();
      } else {
        try (RevWalk rw = new RevWalk(reader)) {
          RevCommit c = rw.parseCommit(base);
          dc = DirCache.read(reader, c.getTree());
        }
      }
      DirCacheEditor ed = dc.editor();
      if (base == null) {
        put(ed, ins, "README.md", FileMode.REGULAR_FILE, text(40));
        put(ed, ins, "bin/tool.sh", FileMode.EXECUTABLE_FILE, "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8));
        put(ed, ins, "link", FileMode.SYMLINK, "README.md".getBytes(StandardCharsets.UTF_8));
        put(ed, ins, "data/blob.bin", FileMode.REGULAR_FILE, Packs.content(random.nextLong(), 96 * 1024));
      }
      int changes = 1 + random.nextInt(3);
      for (int i = 0; i < changes; i++) {
        String path = "src/m" + random.nextInt(4) + "/f" + random.nextInt(8) + ".txt";
        put(ed, ins, path, FileMode.REGULAR_FILE, text(5 + random.nextInt(60)));
      }
      if (commits % 4 == 0) {
        // A small edit of the large binary: a delta against the previous version.
        DirCacheEntry e = dc.getEntry("data/blob.bin");
        if (e != null) {
          byte[] old = reader.open(e.getObjectId()).getCachedBytes(Integer.MAX_VALUE);
          byte[] changed = old.clone();
          for (int k = 0; k < 16; k++) {
            changed[random.nextInt(changed.length)] ^= (byte) (1 + random.nextInt(255));
          }
          put(ed, ins, "data/blob.bin", FileMode.REGULAR_FILE, changed);
        }
      }
      if (commits % 7 == 0 && dc.getEntryCount() > 6) {
        String victim = dc.getEntry(random.nextInt(dc.getEntryCount())).getPathString();
        if (victim.startsWith("src/")) {
          ed.add(new DirCacheEditor.DeletePath(victim));
        }
      }
      ed.finish();
      ObjectId tree = dc.writeTree(ins);
      CommitBuilder cb = new CommitBuilder();
      cb.setTreeId(tree);
      cb.setParentIds(parents);
      cb.setAuthor(ident());
      cb.setCommitter(ident());
      cb.setMessage("commit " + commits + "\n\n" + new String(text(3), StandardCharsets.UTF_8));
      ObjectId id = ins.insert(cb);
      ins.flush();
      return id;
    }
  }

  private static void put(DirCacheEditor ed, ObjectInserter ins, String path, FileMode mode, byte[] content)
      throws IOException {
    ObjectId blob = ins.insert(Constants.OBJ_BLOB, content);
    ed.add(
        new DirCacheEditor.PathEdit(path) {
          @Override
          public void apply(DirCacheEntry ent) {
            ent.setFileMode(mode);
            ent.setObjectId(blob);
          }
        });
  }

  private PersonIdent ident() {
    return new PersonIdent(
        "Conformance Kit",
        "kit@example.invalid",
        java.time.Instant.ofEpochMilli(1_700_000_000_000L + commits * 60_000L),
        java.time.ZoneOffset.ofHours(1));
  }

  private byte[] text(int lines) {
    String[] words = {"storage", "pack", "ref", "commit", "tree", "blob", "fork", "delta", "engine", "kit"};
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines; i++) {
      int n = 1 + random.nextInt(10);
      for (int w = 0; w < n; w++) {
        sb.append(words[random.nextInt(words.length)]).append(w + 1 < n ? ' ' : '\n');
      }
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
