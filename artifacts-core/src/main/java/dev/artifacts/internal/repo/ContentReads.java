package dev.artifacts.internal.repo;

import dev.artifacts.ArtifactsException;
import dev.artifacts.internal.Failures;
import dev.artifacts.internal.archive.ArchiveWriter;
import dev.artifacts.internal.archive.TarWriter;
import dev.artifacts.internal.archive.ZipWriter;
import dev.artifacts.repo.ArchiveFormat;
import dev.artifacts.repo.Blob;
import dev.artifacts.repo.Commit;
import dev.artifacts.repo.CommitPage;
import dev.artifacts.repo.Diff;
import dev.artifacts.repo.EntryType;
import dev.artifacts.repo.FileDiff;
import dev.artifacts.repo.Note;
import dev.artifacts.repo.Person;
import dev.artifacts.repo.Repo;
import dev.artifacts.repo.Tree;
import dev.artifacts.repo.TreeEntry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.errors.IncorrectObjectTypeException;
import org.eclipse.jgit.errors.LargeObjectException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.notes.NoteMap;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The read operations of {@link Repo} beyond refs: history, trees, blobs, diffs, notes and
 * archives, all through {@link DefaultRepo}'s visibility rules.
 */
final class ContentReads {
  private static final Pattern CURSOR = Pattern.compile("c1:([0-9a-f]{40}):([0-9]{1,10})");
  private static final int MAX_NOTE_BYTES = 1 << 20;
  /** Blobs up to this size are loaded when found; larger ones are streamed when opened. */
  private static final int SMALL_BLOB = 64 * 1024;

  private final DefaultRepo repo;

  ContentReads(DefaultRepo repo) {
    this.repo = repo;
  }

  // ------------------------------------------------------------------ log

  CommitPage log(String revision, int limit, String cursor) {
    if (limit < 1 || limit > Repo.MAX_LOG_LIMIT) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID,
          "invalid_parameter",
          "limit must be from 1 to " + Repo.MAX_LOG_LIMIT + ", got " + limit);
    }
    ObjectId start;
    long skip;
    if (cursor != null && !cursor.isEmpty()) {
      String decoded;
      try {
        decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
      } catch (IllegalArgumentException e) {
        decoded = "";
      }
      var m = CURSOR.matcher(decoded);
      if (!m.matches()) {
        throw new ArtifactsException(
            ArtifactsException.Kind.INVALID, "invalid_cursor", "cursor '" + cursor + "' is malformed");
      }
      start = ObjectId.fromString(m.group(1));
      skip = Long.parseLong(m.group(2));
      if (!repo.isReachable(start)) {
        throw DefaultRepo.notFound("the commit cursor '" + cursor + "' starts at is not in repository '" + repo.id() + "'");
      }
    } else {
      start = repo.resolveCommit(revision).copy();
      skip = 0;
    }
    try (RevWalk walk = new RevWalk(repo.git())) {
      RevCommit first;
      try {
        first = walk.parseCommit(start);
      } catch (MissingObjectException | IncorrectObjectTypeException e) {
        throw DefaultRepo.notFound("commit " + start.name() + " not found in repository '" + repo.id() + "'");
      }
      walk.markStart(first);
      for (long i = 0; i < skip; i++) {
        if (walk.next() == null) {
          return new CommitPage(List.of(), null);
        }
      }
      List<Commit> out = new ArrayList<>(limit);
      RevCommit c;
      while (out.size() < limit && (c = walk.next()) != null) {
        out.add(commit(c));
      }
      String next = null;
      if (out.size() == limit && walk.next() != null) {
        next = Base64.getUrlEncoder().withoutPadding()
            .encodeToString(("c1:" + start.name() + ":" + (skip + limit)).getBytes(StandardCharsets.US_ASCII));
      }
      return new CommitPage(out, next);
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  static Commit commit(RevCommit c) {
    List<String> parents = new ArrayList<>(c.getParentCount());
    for (RevCommit p : c.getParents()) {
      parents.add(p.name());
    }
    return new Commit(
        c.name(), c.getTree().name(), parents, person(c.getAuthorIdent()), person(c.getCommitterIdent()),
        c.getFullMessage());
  }

  private static Person person(PersonIdent p) {
    return new Person(
        p.getName(), p.getEmailAddress(), OffsetDateTime.ofInstant(p.getWhenAsInstant(), p.getZoneOffset()));
  }

  // ------------------------------------------------------------------ trees

  /** A revision's root tree and, when it named a commit, the commit. */
  record Root(RevTree tree, RevCommit commit) {}

  Root root(RevWalk walk, String revision) throws IOException {
    ObjectId id = repo.resolve(revision);
    RevObject o;
    try {
      o = walk.peel(walk.parseAny(id));
    } catch (MissingObjectException e) {
      throw DefaultRepo.notFound("revision '" + revision + "' not found in repository '" + repo.id() + "'");
    }
    if (o instanceof RevCommit c) {
      walk.parseBody(c);
      return new Root(c.getTree(), c);
    }
    if (o instanceof RevTree t) {
      return new Root(t, null);
    }
    throw new ArtifactsException(
        ArtifactsException.Kind.INVALID,
        "not_a_tree",
        "revision '" + revision + "' names a " + Constants.typeString(o.getType()) + ", not a commit or tree");
  }

  static String normalizePath(String path) {
    if (path == null) {
      return "";
    }
    String p = path;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.isEmpty()) {
      return "";
    }
    for (String part : p.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
        throw new ArtifactsException(
            ArtifactsException.Kind.INVALID, "invalid_path", "path '" + path + "' is malformed");
      }
    }
    return p;
  }

  private ArtifactsException pathNotFound(String path, String revision) {
    return DefaultRepo.notFound(
        "path '" + path + "' not found in revision '" + (revision == null || revision.isEmpty() ? "HEAD" : revision)
            + "' of repository '" + repo.id() + "'");
  }

  Tree tree(String revision, String rawPath, boolean recursive, int limit) {
    String path = normalizePath(rawPath);
    if (limit < 1) {
      throw new ArtifactsException(ArtifactsException.Kind.INVALID, "invalid_parameter", "limit must be at least 1");
    }
    try (RevWalk walk = new RevWalk(repo.git()); ObjectReader reader = walk.getObjectReader()) {
      Root root = root(walk, revision);
      String commitId = root.commit() == null ? null : root.commit().name();
      ObjectId treeId = root.tree();
      if (!path.isEmpty()) {
        try (TreeWalk at = TreeWalk.forPath(reader, path, root.tree())) {
          if (at == null) {
            throw pathNotFound(path, revision);
          }
          FileMode mode = at.getFileMode(0);
          if (mode != FileMode.TREE) {
            return new Tree(commitId, path, List.of(entry(reader, at.getNameString(), path, at.getRawMode(0), at.getObjectId(0))), false);
          }
          treeId = at.getObjectId(0);
        }
      }
      List<TreeEntry> entries = new ArrayList<>();
      boolean truncated = false;
      try (TreeWalk tw = new TreeWalk(reader)) {
        tw.addTree(treeId);
        tw.setRecursive(false);
        String prefix = path.isEmpty() ? "" : path + "/";
        while (tw.next()) {
          if (entries.size() == limit) {
            truncated = true;
            break;
          }
          entries.add(entry(reader, tw.getNameString(), prefix + tw.getPathString(), tw.getRawMode(0), tw.getObjectId(0)));
          if (recursive && tw.isSubtree()) {
            tw.enterSubtree();
          }
        }
      }
      return new Tree(commitId, path, entries, truncated);
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  private static TreeEntry entry(ObjectReader reader, String name, String path, int mode, ObjectId id) throws IOException {
    EntryType type = EntryType.ofMode(mode);
    Long size = null;
    if (type == EntryType.BLOB || type == EntryType.SYMLINK) {
      size = reader.getObjectSize(id, Constants.OBJ_BLOB);
    }
    return new TreeEntry(name, path, type, mode, id.name(), size);
  }

  // ------------------------------------------------------------------ blobs

  Blob blob(String revision, String rawPath) {
    String path = normalizePath(rawPath);
    if (path.isEmpty()) {
      throw new ArtifactsException(ArtifactsException.Kind.INVALID, "invalid_path", "a file path is required");
    }
    try (RevWalk walk = new RevWalk(repo.git()); ObjectReader reader = walk.getObjectReader()) {
      Root root = root(walk, revision);
      try (TreeWalk at = TreeWalk.forPath(reader, path, root.tree())) {
        if (at == null) {
          throw pathNotFound(path, revision);
        }
        int mode = at.getRawMode(0);
        EntryType type = EntryType.ofMode(mode);
        if (type == EntryType.TREE || type == EntryType.COMMIT) {
          throw new ArtifactsException(
              ArtifactsException.Kind.INVALID,
              "not_a_file",
              "path '" + path + "' is a " + (type == EntryType.TREE ? "directory" : "submodule") + ", not a file");
        }
        ObjectId id = at.getObjectId(0);
        ObjectLoader loader = reader.open(id, Constants.OBJ_BLOB);
        long size = loader.getSize();
        if (!loader.isLarge() && size <= SMALL_BLOB) {
          // small blobs are read now, with the reader already open, and served from memory
          byte[] bytes = loader.getCachedBytes();
          return new Blob(id.name(), path, mode, size, () -> new java.io.ByteArrayInputStream(bytes));
        }
        return new Blob(id.name(), path, mode, size, () -> openBlob(id));
      }
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  private InputStream openBlob(ObjectId id) throws IOException {
    ObjectReader reader = repo.git().newObjectReader();
    try {
      InputStream in = reader.open(id, Constants.OBJ_BLOB).openStream();
      return new FilterInputStream(in) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            reader.close();
          }
        }
      };
    } catch (IOException | RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  // ------------------------------------------------------------------ diff

  /** Larger blobs are reported as binary, as by {@code git diff} with a big-file threshold. */
  private static final int BINARY_THRESHOLD = 16 << 20;
  /** Text content one diff request compares line by line at most (both sides of every file). */
  static final long MAX_LINE_DIFF_CONTENT = 64L << 20;

  /** @return the bytes of a blob that a line diff would read, 0 for none or a binary-sized one */
  private static long textSize(ObjectReader reader, AbbreviatedObjectId id)
      throws IOException {
    if (id == null || !id.isComplete() || id.toObjectId().equals(ObjectId.zeroId())) {
      return 0;
    }
    try {
      long size = reader.getObjectSize(id.toObjectId(), Constants.OBJ_BLOB);
      return size > BINARY_THRESHOLD ? 0 : size;
    } catch (MissingObjectException | IncorrectObjectTypeException notABlobHere) {
      return 0; // a submodule's commit
    }
  }

  Diff diff(String from, String to, long maxBytes) {
    java.io.ByteArrayOutputStream patch = new java.io.ByteArrayOutputStream();
    try (RevWalk walk = new RevWalk(repo.git());
        DiffFormatter fmt = new DiffFormatter(patch)) {
      Root newSide = root(walk, to);
      RevTree oldTree;
      String fromId;
      if (from == null || from.isEmpty()) {
        if (newSide.commit() == null) {
          throw new ArtifactsException(
              ArtifactsException.Kind.INVALID,
              "not_a_commit",
              "'to' names a tree; name 'from' as well");
        }
        RevCommit c = newSide.commit();
        if (c.getParentCount() == 0) {
          oldTree = null;
          fromId = null;
        } else {
          RevCommit parent = walk.parseCommit(c.getParent(0));
          oldTree = parent.getTree();
          fromId = parent.name();
        }
      } else {
        Root oldSide = root(walk, from);
        oldTree = oldSide.tree();
        fromId = oldSide.commit() != null ? oldSide.commit().name() : oldSide.tree().name();
      }
      String toId = newSide.commit() != null ? newSide.commit().name() : newSide.tree().name();

      fmt.setRepository(repo.git());
      fmt.setDiffAlgorithm(new BoundedDiff());
      fmt.setContext(3);
      fmt.setBinaryFileThreshold(BINARY_THRESHOLD);
      fmt.setDetectRenames(true);
      fmt.getRenameDetector().setRenameScore(50);
      List<DiffEntry> entries = fmt.scan(oldTree, newSide.tree());
      List<FileDiff> files = new ArrayList<>(entries.size());
      long budget = maxBytes;
      long contentLeft = MAX_LINE_DIFF_CONTENT;
      boolean truncated = false;
      for (DiffEntry e : entries) {
        FileDiff.Status status = switch (e.getChangeType()) {
          case ADD -> FileDiff.Status.ADDED;
          case MODIFY -> FileDiff.Status.MODIFIED;
          case DELETE -> FileDiff.Status.DELETED;
          case RENAME -> FileDiff.Status.RENAMED;
          case COPY -> FileDiff.Status.COPIED;
        };
        String oldPath = status == FileDiff.Status.ADDED ? null : e.getOldPath();
        String newPath = status == FileDiff.Status.DELETED ? null : e.getNewPath();
        int oldMode = status == FileDiff.Status.ADDED ? 0 : e.getOldMode().getBits();
        int newMode = status == FileDiff.Status.DELETED ? 0 : e.getNewMode().getBits();
        String oldId = status == FileDiff.Status.ADDED ? null : e.getOldId().name();
        String newId = status == FileDiff.Status.DELETED ? null : e.getNewId().name();
        int score = status == FileDiff.Status.RENAMED || status == FileDiff.Status.COPIED ? e.getScore() : 0;
        long content = truncated ? 0 : textSize(walk.getObjectReader(), e.getOldId()) + textSize(walk.getObjectReader(), e.getNewId());
        if (content > contentLeft) {
          truncated = true; // reading and comparing more would be unbounded work for one request
        }
        if (truncated) {
          files.add(new FileDiff(status, oldPath, newPath, oldMode, newMode, oldId, newId, score, false, null, null, List.of()));
          continue;
        }
        contentLeft -= content;
        patch.reset();
        fmt.format(e);
        fmt.flush();
        byte[] text = patch.toByteArray();
        List<FileDiff.Hunk> all = new ArrayList<>();
        boolean binary = parse(text, all);
        int additions = 0;
        int deletions = 0;
        for (FileDiff.Hunk h : all) {
          for (String line : h.lines()) {
            if (line.startsWith("+")) {
              additions++;
            } else if (line.startsWith("-")) {
              deletions++;
            }
          }
        }
        List<FileDiff.Hunk> hunks = List.of();
        if (text.length > budget) {
          truncated = true;
        } else {
          budget -= text.length;
          hunks = all;
        }
        files.add(new FileDiff(status, oldPath, newPath, oldMode, newMode, oldId, newId, score, binary, additions, deletions, hunks));
      }
      return new Diff(fromId, toId, files, truncated);
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  /**
   * Splits the formatted patch of one file into hunks (the header lines before the first are
   * dropped).
   *
   * @return true when the patch says the file is binary
   */
  private static boolean parse(byte[] buf, List<FileDiff.Hunk> out) {
    String header = null;
    List<String> lines = null;
    boolean binary = false;
    int pos = 0;
    int end = buf.length;
    while (pos < end) {
      int nl = pos;
      while (nl < end && buf[nl] != '\n') {
        nl++;
      }
      String line = new String(buf, pos, nl - pos, StandardCharsets.UTF_8);
      pos = nl + 1;
      if (line.startsWith("@@")) {
        if (header != null) {
          out.add(new FileDiff.Hunk(header, lines));
        }
        header = line;
        lines = new ArrayList<>();
      } else if (header != null) {
        lines.add(line);
      } else if (line.startsWith("Binary files ")) {
        binary = true;
      }
    }
    if (header != null) {
      out.add(new FileDiff.Hunk(header, lines));
    }
    return binary;
  }

  // ------------------------------------------------------------------ notes

  private Ref notesRef(String notesRef) {
    String name = notesRef == null || notesRef.isEmpty()
        ? Repo.DEFAULT_NOTES_REF
        : notesRef.startsWith(Constants.R_REFS) ? notesRef : Constants.R_NOTES + notesRef;
    return repo.findRef(name)
        .orElseThrow(() -> DefaultRepo.notFound("notes ref '" + name + "' not found in repository '" + repo.id() + "'"));
  }

  private NoteMap noteMap(RevWalk walk, Ref ref) throws IOException {
    try {
      return NoteMap.read(walk.getObjectReader(), walk.parseCommit(ref.getObjectId()));
    } catch (MissingObjectException | IncorrectObjectTypeException e) {
      throw DefaultRepo.notFound("notes ref '" + ref.getName() + "' does not name a commit");
    }
  }

  private static String text(ObjectReader reader, ObjectId id) throws IOException {
    // the size first: getCachedBytes(limit) only enforces the limit on objects JGit streams
    // (tens of MiB), so a smaller note past the limit would be loaded whole
    ObjectLoader loader = reader.open(id, Constants.OBJ_BLOB);
    try {
      if (loader.getSize() > MAX_NOTE_BYTES) {
        throw new LargeObjectException(id);
      }
      return new String(loader.getCachedBytes(MAX_NOTE_BYTES), StandardCharsets.UTF_8);
    } catch (LargeObjectException e) {
      throw new ArtifactsException(
          ArtifactsException.Kind.TOO_LARGE, "note_too_large", "note " + id.name() + " is larger than " + MAX_NOTE_BYTES + " bytes",
          java.util.Map.of("limit", MAX_NOTE_BYTES));
    }
  }

  Optional<Note> note(String notesRef, String revision) {
    Ref ref = notesRef(notesRef);
    ObjectId object = repo.resolve(revision);
    try (RevWalk walk = new RevWalk(repo.git())) {
      NoteMap map = noteMap(walk, ref);
      org.eclipse.jgit.notes.Note n = map.getNote(object);
      if (n == null) {
        return Optional.empty();
      }
      return Optional.of(new Note(object.name(), n.getData().name(), text(walk.getObjectReader(), n.getData())));
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  List<Note> notes(String notesRef, int limit) {
    if (limit < 1) {
      throw new ArtifactsException(ArtifactsException.Kind.INVALID, "invalid_parameter", "limit must be at least 1");
    }
    Ref ref = notesRef(notesRef);
    try (RevWalk walk = new RevWalk(repo.git())) {
      NoteMap map = noteMap(walk, ref);
      Set<ObjectId> visibleCommits = repo.filtersRefs() ? visibleCommits() : null;
      List<Note> out = new ArrayList<>();
      for (org.eclipse.jgit.notes.Note n : map) {
        if (out.size() == limit) {
          break;
        }
        if (visibleCommits != null && !visibleCommits.contains(n) && !repo.isReachable(n)) {
          continue;
        }
        out.add(new Note(n.name(), n.getData().name(), text(walk.getObjectReader(), n.getData())));
      }
      return out;
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  /** @return the commits reachable from the caller's visible refs */
  private Set<ObjectId> visibleCommits() throws IOException {
    Set<ObjectId> out = new HashSet<>();
    try (RevWalk walk = new RevWalk(repo.git())) {
      walk.setRetainBody(false);
      for (Ref r : repo.visibleRefs()) {
        try {
          RevObject o = walk.peel(walk.parseAny(r.getObjectId()));
          if (o instanceof RevCommit c) {
            walk.markStart(c);
          }
        } catch (MissingObjectException e) {
          // reaches nothing
        }
      }
      RevCommit c;
      while ((c = walk.next()) != null) {
        out.add(c.copy());
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ archives

  void archive(String revision, ArchiveFormat format, OutputStream out) throws IOException {
    try (RevWalk walk = new RevWalk(repo.git()); ObjectReader reader = walk.getObjectReader()) {
      Root root = root(walk, revision);
      long mtime = root.commit() != null ? root.commit().getCommitTime() : System.currentTimeMillis() / 1000;
      String comment = root.commit() != null ? root.commit().name() : null;
      GZIPOutputStream gzip = null;
      ArchiveWriter writer;
      if (format == ArchiveFormat.ZIP) {
        writer = new ZipWriter(out, mtime, comment);
      } else {
        gzip = new GZIPOutputStream(new NonClosing(out), 64 * 1024);
        writer = new TarWriter(gzip, mtime, comment);
      }
      boolean finished = false;
      try {
        try (TreeWalk tw = new TreeWalk(reader)) {
          tw.addTree(root.tree());
          tw.setRecursive(false);
          while (tw.next()) {
            String path = tw.getPathString();
            int mode = tw.getRawMode(0);
            switch (EntryType.ofMode(mode)) {
              case TREE -> {
                writer.directory(path);
                tw.enterSubtree();
              }
              case COMMIT -> writer.directory(path);
              case SYMLINK -> writer.symlink(path, reader.open(tw.getObjectId(0), Constants.OBJ_BLOB).getCachedBytes(64 * 1024));
              case BLOB -> {
                ObjectLoader loader = reader.open(tw.getObjectId(0), Constants.OBJ_BLOB);
                try (InputStream in = loader.openStream()) {
                  writer.file(path, (mode & 0111) != 0, loader.getSize(), in);
                }
              }
            }
          }
        }
        writer.finish();
        if (gzip != null) {
          gzip.finish();
          gzip.flush();
        }
        out.flush();
        finished = true;
      } finally {
        if (!finished) {
          // the archive stays incomplete (never a valid-looking one); free what the writer holds
          writer.abandon();
        }
      }
    }
  }

  /** Keeps the caller's stream open when the gzip layer is finished. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
