package dev.artifacts.internal.repo;

import dev.artifacts.ArtifactsException;
import dev.artifacts.ArtifactsException.Kind;
import dev.artifacts.CommitLimits;
import dev.artifacts.internal.Failures;
import dev.artifacts.internal.engine.EngineRepository;
import dev.artifacts.internal.events.ChangeCause;
import dev.artifacts.repo.CommitRequest;
import dev.artifacts.repo.CommitResult;
import dev.artifacts.repo.FileChange;
import dev.artifacts.repo.MergeRequest;
import dev.artifacts.repo.MergeResult;
import dev.artifacts.repo.MergeStrategy;
import dev.artifacts.repo.Person;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.errors.MissingObjectException;
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
import org.eclipse.jgit.merge.ResolveMerger;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * Commits and merges of {@link DefaultRepo}: objects are written through one inserter (one pack),
 * then the branch moves with a compare-and-swap through the engine's ref database under a {@link
 * ChangeCause}, so that pushes, fetches and events see the change like any other.
 */
final class RepoWrites {
  private static final Pattern FULL_ID = Pattern.compile("[0-9a-f]{40}");
  private static final int MAX_MESSAGE_CHARS = 1 << 20;

  private final DefaultRepo repo;
  private final EngineRepository git;

  RepoWrites(DefaultRepo repo) {
    this.repo = repo;
    this.git = repo.git();
  }

  CommitResult commit(CommitRequest r, CommitLimits limits) {
    String branch = branchName(r.branch());
    requireWritable(branch);
    ObjectId expected = parseParent(r.parent());
    requireMessage(r.message());
    PersonIdent author = ident(r.author());
    checkChanges(r.changes(), limits);
    try {
      Ref ref = git.exactRef(branch);
      ObjectId current = ref == null ? null : ref.getObjectId();
      if (!Objects.equals(expected, current)) {
        throw refConflict(branch, expected, current);
      }
      if (current == null && git.getRefDatabase().isNameConflicting(branch)) {
        throw new ArtifactsException(
            Kind.CONFLICT,
            "ref_name_conflict",
            "cannot create '" + branch + "': its name clashes with an existing ref (a ref cannot be both a "
                + "file and a directory, as in 'a' and 'a/b')",
            Map.of("branch", branch));
      }
      ObjectId commitId;
      ObjectId treeId;
      try (ObjectInserter ins = git.newObjectInserter();
          ObjectReader reader = ins.newReader();
          RevWalk walk = new RevWalk(reader)) {
        NavigableMap<String, DirCacheEntry> files = new TreeMap<>();
        if (current != null) {
          RevCommit parent = walk.parseCommit(current);
          try (TreeWalk tw = new TreeWalk(reader)) {
            tw.addTree(parent.getTree());
            tw.setRecursive(true);
            while (tw.next()) {
              DirCacheEntry e = new DirCacheEntry(tw.getRawPath(), DirCacheEntry.STAGE_0);
              e.setFileMode(tw.getFileMode(0));
              e.setObjectId(tw.getObjectId(0));
              files.put(tw.getPathString(), e);
            }
          }
        }
        for (FileChange c : r.changes()) {
          apply(files, c, ins);
        }
        DirCache dc = DirCache.newInCore();
        DirCacheBuilder b = dc.builder();
        for (DirCacheEntry e : files.values()) {
          b.add(e);
        }
        b.finish();
        treeId = dc.writeTree(ins);
        CommitBuilder cb = new CommitBuilder();
        cb.setTreeId(treeId);
        if (current != null) {
          cb.setParentId(current);
        }
        cb.setAuthor(author);
        cb.setCommitter(author);
        cb.setMessage(r.message());
        commitId = ins.insert(cb);
        ins.flush();
      }
      moveRef(new ChangeCause("commit", actor()), branch, current, commitId, author, "commit: " + firstLine(r.message()));
      return new CommitResult(commitId.name(), treeId.name(), branch);
    } catch (MissingObjectException e) {
      throw new ArtifactsException(
          Kind.NOT_FOUND, "not_found", "commit " + e.getObjectId().name() + " not found in repository '" + repo.id() + "'");
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  MergeResult merge(MergeRequest r) {
    String target = branchName(r.target());
    requireWritable(target);
    if (r.message() != null) {
      requireMessage(r.message());
    }
    PersonIdent author = ident(r.author());
    try {
      Ref ref = git.exactRef(target);
      if (ref == null || ref.getObjectId() == null) {
        throw DefaultRepo.notFound("branch '" + target + "' not found in repository '" + repo.id() + "'");
      }
      ObjectId targetId = ref.getObjectId();
      RevCommit sourceCommit = repo.resolveCommit(r.source());
      ObjectId newId;
      boolean fastForward;
      try (ObjectInserter ins = git.newObjectInserter();
          ObjectReader reader = ins.newReader();
          RevWalk walk = new RevWalk(reader)) {
        RevCommit t;
        try {
          t = walk.parseCommit(targetId);
        } catch (org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
          throw new ArtifactsException(
              Kind.INVALID, "not_a_commit", "branch '" + target + "' does not point at a commit");
        }
        RevCommit s = walk.parseCommit(sourceCommit);
        if (walk.isMergedInto(s, t)) {
          return new MergeResult(t.name(), target, false, true);
        }
        walk.reset();
        boolean canFastForward = walk.isMergedInto(t, s);
        if (canFastForward && r.strategy() != MergeStrategy.MERGE) {
          newId = s.copy();
          fastForward = true;
        } else if (r.strategy() == MergeStrategy.FF_ONLY) {
          throw new ArtifactsException(
              Kind.CONFLICT,
              "not_fast_forward",
              "cannot fast-forward '" + target + "' to '" + r.source() + "': the branches have diverged",
              details("target", target, "current", t.name(), "source", s.name()));
        } else {
          ObjectId tree;
          if (canFastForward) {
            tree = s.getTree();
          } else {
            ResolveMerger m =
                (ResolveMerger) org.eclipse.jgit.merge.MergeStrategy.RECURSIVE.newMerger(ins, git.getConfig());
            if (!m.merge(t, s)) {
              Set<String> paths = new TreeSet<>(m.getUnmergedPaths());
              if (m.getFailingPaths() != null) {
                paths.addAll(m.getFailingPaths().keySet());
              }
              throw new ArtifactsException(
                  Kind.CONFLICT,
                  "merge_conflict",
                  "merging '" + r.source() + "' into '" + target + "' conflicts in " + paths.size()
                      + (paths.size() == 1 ? " path: " : " paths: ") + String.join(", ", paths),
                  details("paths", new ArrayList<>(paths), "target", target, "source", s.name()));
            }
            tree = m.getResultTreeId();
          }
          CommitBuilder cb = new CommitBuilder();
          cb.setTreeId(tree);
          cb.setParentIds(t, s);
          cb.setAuthor(author);
          cb.setCommitter(author);
          cb.setMessage(
              r.message() != null
                  ? r.message()
                  : "Merge " + r.source() + " into " + Repository.shortenRefName(target) + "\n");
          newId = ins.insert(cb);
          ins.flush();
          fastForward = false;
        }
      }
      moveRef(new ChangeCause("merge", actor()), target, targetId, newId, author, "merge " + r.source());
      return new MergeResult(newId.name(), target, fastForward, false);
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  private void moveRef(
      ChangeCause cause, String name, ObjectId expected, ObjectId newId, PersonIdent who, String log)
      throws IOException {
    RefUpdate ru = git.updateRef(name);
    ru.setExpectedOldObjectId(expected == null ? ObjectId.zeroId() : expected);
    ru.setNewObjectId(newId);
    ru.setForceUpdate(true);
    ru.setRefLogIdent(who);
    ru.setRefLogMessage(log, false);
    RefUpdate.Result result;
    try (RevWalk walk = new RevWalk(git)) {
      result = cause.during(() -> ru.update(walk));
    }
    switch (result) {
      case NEW, FAST_FORWARD, FORCED, NO_CHANGE -> {
        // moved
      }
      case LOCK_FAILURE -> {
        Ref now = git.exactRef(name);
        throw refConflict(name, expected, now == null ? null : now.getObjectId());
      }
      default -> throw new IOException("updating " + name + " failed: " + result);
    }
  }

  private void checkChanges(List<FileChange> changes, CommitLimits limits) {
    if (changes.isEmpty()) {
      throw new ArtifactsException(Kind.INVALID, "no_changes", "a commit needs at least one change");
    }
    Set<String> seen = new HashSet<>();
    long total = 0;
    for (FileChange c : changes) {
      RepoPaths.require(c.path());
      if (!seen.add(c.path())) {
        throw new ArtifactsException(
            Kind.INVALID,
            "duplicate_path",
            "path '" + c.path() + "' is changed more than once in one commit",
            Map.of("path", c.path()));
      }
      if (c.op() == FileChange.Op.WRITE) {
        if (c.mode() != FileChange.REGULAR && c.mode() != FileChange.EXECUTABLE && c.mode() != FileChange.SYMLINK) {
          throw new ArtifactsException(
              Kind.INVALID,
              "invalid_mode",
              "invalid mode " + Integer.toOctalString(c.mode()) + " for '" + c.path()
                  + "': use 100644 (file), 100755 (executable) or 120000 (symlink)",
              Map.of("path", c.path()));
        }
        String symlinkProblem = c.mode() == FileChange.SYMLINK ? RepoPaths.symlinkProblem(c.path()) : null;
        if (symlinkProblem != null) {
          throw new ArtifactsException(
              Kind.INVALID,
              "invalid_path",
              "invalid path '" + RepoPaths.printable(c.path()) + "': " + symlinkProblem,
              Map.of("path", c.path()));
        }
        long size = c.content().length;
        if (limits.maxFileBytes() > 0 && size > limits.maxFileBytes()) {
          throw new ArtifactsException(
              Kind.TOO_LARGE,
              "file_too_large",
              "file '" + c.path() + "' has " + size + " bytes; the limit per file is " + limits.maxFileBytes(),
              details("limit", limits.maxFileBytes(), "path", c.path(), "size", size));
        }
        total += size;
        if (limits.maxRequestBytes() > 0 && total > limits.maxRequestBytes()) {
          throw new ArtifactsException(
              Kind.TOO_LARGE,
              "request_too_large",
              "the files of this commit exceed " + limits.maxRequestBytes() + " bytes in total",
              details("limit", limits.maxRequestBytes()));
        }
      }
    }
  }

  private static void apply(NavigableMap<String, DirCacheEntry> files, FileChange c, ObjectInserter ins)
      throws IOException {
    String path = c.path();
    if (c.op() == FileChange.Op.DELETE) {
      if (files.remove(path) == null) {
        boolean dir = isDirectory(files, path);
        throw new ArtifactsException(
            Kind.INVALID,
            "path_not_found",
            dir
                ? "cannot delete '" + path + "': it is a directory; delete the files in it"
                : "cannot delete '" + path + "': no such file",
            Map.of("path", path));
      }
      return;
    }
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      String parent = path.substring(0, slash);
      if (files.containsKey(parent)) {
        throw new ArtifactsException(
            Kind.INVALID,
            "path_conflict",
            "cannot write '" + path + "': '" + parent + "' is a file",
            Map.of("path", path));
      }
    }
    if (isDirectory(files, path)) {
      throw new ArtifactsException(
          Kind.INVALID,
          "path_conflict",
          "cannot write '" + path + "': it is a directory",
          Map.of("path", path));
    }
    DirCacheEntry e = new DirCacheEntry(path);
    e.setFileMode(FileMode.fromBits(c.mode()));
    e.setObjectId(ins.insert(Constants.OBJ_BLOB, c.content()));
    files.put(path, e);
  }

  private static boolean isDirectory(NavigableMap<String, DirCacheEntry> files, String path) {
    String prefix = path + "/";
    String next = files.ceilingKey(prefix);
    return next != null && next.startsWith(prefix);
  }

  /** @return the full branch name for {@code main} or {@code refs/heads/main} */
  private static String branchName(String branch) {
    String full = branch == null ? "" : branch.startsWith(Constants.R_HEADS) ? branch : Constants.R_HEADS + branch;
    if (branch == null
        || branch.isEmpty()
        || full.equals(Constants.R_HEADS)
        || full.equals(Constants.R_HEADS + Constants.HEAD)
        || full.startsWith(Constants.R_HEADS + "-")
        || (branch.startsWith(Constants.R_REFS) && !branch.startsWith(Constants.R_HEADS))
        || !Repository.isValidRefName(full)) {
      throw new ArtifactsException(
          Kind.INVALID,
          "invalid_branch",
          "invalid branch name '" + RepoPaths.printable(branch) + "': give a valid git branch name such as 'main'",
          Map.of("branch", branch == null ? "" : branch));
    }
    return full;
  }

  private void requireWritable(String branch) {
    if (git.store().readOnly()) {
      throw new ArtifactsException(
          Kind.FORBIDDEN, "read_only", "repository '" + repo.id() + "' is read-only");
    }
    boolean visible = repo.isVisible(branch);
    if (visible) {
      // a symbolic ref moves its target: every ref along its chain must be visible too
      try {
        Ref ref = git.exactRef(branch);
        visible = ref == null || repo.isVisible(ref);
      } catch (IOException e) {
        throw Failures.unchecked(e);
      }
    }
    if (!visible) {
      throw new ArtifactsException(
          Kind.FORBIDDEN, "ref_forbidden", "you may not update " + branch, Map.of("branch", branch));
    }
  }

  private static ObjectId parseParent(String parent) {
    if (parent == null) {
      return null;
    }
    if (!FULL_ID.matcher(parent).matches()) {
      throw new ArtifactsException(
          Kind.INVALID,
          "invalid_parent",
          "parent must be a full 40-digit lowercase commit id or null, got '" + RepoPaths.printable(parent) + "'");
    }
    return ObjectId.fromString(parent);
  }

  private static void requireMessage(String message) {
    if (message.isBlank() || message.length() > MAX_MESSAGE_CHARS || message.indexOf(0) >= 0) {
      throw new ArtifactsException(
          Kind.INVALID,
          "invalid_message",
          "the commit message must not be blank, contain NUL or exceed " + MAX_MESSAGE_CHARS + " characters");
    }
  }

  private PersonIdent ident(Person person) {
    String name;
    String email;
    if (person == null) {
      name = repo.viewer() == null ? "artifacts" : repo.viewer().name();
      email = "";
    } else {
      name = person.name();
      email = person.email();
      if (name.isBlank() || !identPart(name) || !identPart(email)) {
        throw new ArtifactsException(
            Kind.INVALID,
            "invalid_author",
            "author name must not be blank; name and email must not contain '<', '>' or control characters");
      }
      if (person.when() != null) {
        return new PersonIdent(name, email, person.when().toInstant(), person.when().getOffset());
      }
    }
    return new PersonIdent(name, email);
  }

  private static boolean identPart(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '<' || c == '>' || c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  private String actor() {
    return repo.viewer() == null ? null : repo.viewer().name();
  }

  private static String firstLine(String message) {
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }

  private static ArtifactsException refConflict(String name, ObjectId expected, ObjectId current) {
    return new ArtifactsException(
        Kind.CONFLICT,
        "ref_conflict",
        name + " is at " + (current == null ? "nothing (it does not exist)" : current.name())
            + ", not at the expected " + (expected == null ? "nothing (absent)" : expected.name()),
        details("ref", name, "expected", expected == null ? null : expected.name(), "current", current == null ? null : current.name()));
  }

  private static Map<String, Object> details(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
