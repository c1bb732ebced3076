package dev.artifacts.internal.repo;

import dev.artifacts.Artifacts;
import dev.artifacts.ArtifactsException;
import dev.artifacts.Principal;
import dev.artifacts.RefInfo;
import dev.artifacts.internal.Failures;
import dev.artifacts.internal.RefChains;
import dev.artifacts.internal.engine.EngineRepository;
import dev.artifacts.repo.Repo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.ObjectWalk;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;

/**
 * {@link Repo} over the engine's repository, seen by one caller. The helpers here (visible refs,
 * revision resolution with the reachability rule) are what every read and write operation
 * builds on.
 */
public final class DefaultRepo implements Repo {
  private static final Pattern FULL_ID = Pattern.compile("[0-9a-f]{40}");

  private final Artifacts artifacts;
  private final EngineRepository git;
  private final Principal viewer;

  /** @param viewer the caller, or null for trusted code that sees every ref */
  public DefaultRepo(Artifacts artifacts, EngineRepository git, Principal viewer) {
    this.artifacts = Objects.requireNonNull(artifacts, "artifacts");
    this.git = Objects.requireNonNull(git, "git");
    this.viewer = viewer;
  }

  @Override
  public String id() {
    return git.store().id();
  }

  /** @return the engine repository; callers must not close it */
  public EngineRepository git() {
    return git;
  }

  /** @return the caller, or null for trusted code */
  public Principal viewer() {
    return viewer;
  }

  /** @return the facade this view belongs to */
  public Artifacts artifacts() {
    return artifacts;
  }

  /**
   * @return true when the caller may see {@code ref}: its name and, for a symbolic ref, every
   *     name along its chain ({@link RefChains#isVisible})
   */
  public boolean isVisible(Ref ref) {
    return viewer == null || RefChains.isVisible(ref, this::isVisible);
  }

  /** @return true when the caller may see a ref named {@code refName} (its name alone) */
  public boolean isVisible(String refName) {
    return viewer == null || artifacts.isRefVisible(viewer, id(), refName);
  }

  /** @return true when some refs may be hidden from this caller */
  public boolean filtersRefs() {
    return viewer != null && !artifacts.hidesNoRefs();
  }

  /** @return the refs the caller may see, with their peeled values, without HEAD, sorted */
  public List<Ref> visibleRefs() {
    try {
      List<Ref> out = new ArrayList<>();
      for (Ref ref : git.getRefDatabase().getRefsByPrefix(Constants.R_REFS)) {
        if (!ref.isSymbolic() && ref.getObjectId() != null && isVisible(ref.getName())) {
          out.add(git.getRefDatabase().peel(ref));
        }
      }
      out.sort((a, b) -> a.getName().compareTo(b.getName()));
      return out;
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  @Override
  public List<RefInfo> refs() {
    return visibleRefs().stream().map(DefaultRepo::refInfo).toList();
  }

  @Override
  public dev.artifacts.repo.CommitResult commit(dev.artifacts.repo.CommitRequest request) {
    return new RepoWrites(this).commit(Objects.requireNonNull(request, "request"), artifacts.commitLimits());
  }

  @Override
  public dev.artifacts.repo.MergeResult merge(dev.artifacts.repo.MergeRequest request) {
    return new RepoWrites(this).merge(Objects.requireNonNull(request, "request"));
  }

  @Override
  public Optional<String> head() {
    try {
      Ref head = git.exactRef(Constants.HEAD);
      if (head == null || !head.isSymbolic() || !isVisible(head)) {
        return Optional.empty();
      }
      return Optional.of(head.getTarget().getName());
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  /**
   * Finds the visible ref a revision names: {@code HEAD}, a full name, or a short name looked up
   * as git does ({@code refs/NAME}, {@code refs/tags/NAME}, {@code refs/heads/NAME}, {@code
   * refs/remotes/NAME}).
   *
   * @return the ref, or empty when no visible ref has that name
   */
  public Optional<Ref> findRef(String name) {
    if (name == null || name.isEmpty()) {
      return Optional.empty();
    }
    try {
      List<String> candidates =
          name.equals(Constants.HEAD) || name.startsWith(Constants.R_REFS)
              ? List.of(name)
              : List.of(
                  Constants.R_REFS + name,
                  Constants.R_TAGS + name,
                  Constants.R_HEADS + name,
                  Constants.R_REMOTES + name);
      for (String candidate : candidates) {
        Ref ref = git.exactRef(candidate);
        if (ref != null && ref.getObjectId() != null && isVisible(ref)) {
          return Optional.of(ref);
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  /**
   * Resolves a revision (ref name or full object id) to an object the caller may see.
   *
   * @param revision the revision; null or empty means {@code HEAD}
   * @return the object id the revision names (for a tag ref: the tag object itself)
   * @throws ArtifactsException {@code not_found} when nothing visible has that name, {@code
   *     invalid_revision} when it is neither a ref name nor an object id
   */
  public ObjectId resolve(String revision) {
    String rev = revision == null || revision.isEmpty() ? Constants.HEAD : revision;
    Optional<Ref> ref = findRef(rev);
    if (ref.isPresent()) {
      return ref.get().getObjectId();
    }
    if (FULL_ID.matcher(rev).matches()) {
      ObjectId id = ObjectId.fromString(rev);
      if (isReachable(id)) {
        return id;
      }
      throw notFound("revision '" + rev + "' not found in repository '" + id() + "'");
    }
    if (!rev.equals(Constants.HEAD)
        && !org.eclipse.jgit.lib.Repository.isValidRefName(
            rev.startsWith(Constants.R_REFS) ? rev : Constants.R_HEADS + rev)) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID,
          "invalid_revision",
          "'" + rev + "' is neither a ref name nor a 40-digit object id");
    }
    throw notFound("ref '" + rev + "' not found in repository '" + id() + "'");
  }

  /**
   * Resolves a revision to a commit (peeling tags).
   *
   * @throws ArtifactsException {@code not_found} as {@link #resolve}, or {@code not_a_commit}
   *     (INVALID) when it names something else
   */
  public RevCommit resolveCommit(String revision) {
    ObjectId id = resolve(revision);
    try (org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(git)) {
      RevObject o = walk.peel(walk.parseAny(id));
      if (!(o instanceof RevCommit c)) {
        throw new ArtifactsException(
            ArtifactsException.Kind.INVALID,
            "not_a_commit",
            "revision '" + revision + "' names a " + Constants.typeString(o.getType()) + ", not a commit");
      }
      walk.parseBody(c);
      return c;
    } catch (MissingObjectException e) {
      throw notFound("revision '" + revision + "' not found in repository '" + id() + "'");
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  /**
   * @return true when the object exists and is reachable from a ref the caller may see (any
   *     existing object when no ref is hidden from the caller)
   */
  public boolean isReachable(ObjectId id) {
    try {
      if (!filtersRefs()) {
        try (org.eclipse.jgit.lib.ObjectReader reader = git.newObjectReader()) {
          return reader.has(id);
        }
      }
      List<Ref> tips = visibleRefs();
      try (ObjectWalk walk = new ObjectWalk(git)) {
        boolean isCommit;
        try {
          isCommit = walk.parseAny(id) instanceof RevCommit;
        } catch (MissingObjectException e) {
          return false; // nothing to walk for: it does not exist
        }
        walk.reset();
        for (Ref tip : tips) {
          if (tip.getObjectId().equals(id)) {
            return true;
          }
          try {
            walk.markStart(walk.parseAny(tip.getObjectId()));
          } catch (MissingObjectException e) {
            // a ref pointing at nothing reaches nothing
          }
        }
        RevCommit c;
        while ((c = walk.next()) != null) {
          if (c.equals(id)) {
            return true;
          }
        }
        if (isCommit) {
          // commits are reached through commits only (a tree's gitlinks are not followed): no
          // need to walk every tree and blob of the history
          return false;
        }
        RevObject o;
        while ((o = walk.nextObject()) != null) {
          if (o.equals(id)) {
            return true;
          }
        }
        return false;
      }
    } catch (IOException e) {
      throw Failures.unchecked(e);
    }
  }

  /** @return a NOT_FOUND exception with code {@code not_found} */
  public static ArtifactsException notFound(String message) {
    return new ArtifactsException(ArtifactsException.Kind.NOT_FOUND, "not_found", message);
  }

  static RefInfo refInfo(Ref ref) {
    ObjectId peeled = ref.getPeeledObjectId();
    return new RefInfo(ref.getName(), ref.getObjectId().name(), peeled == null ? null : peeled.name());
  }

  // ------------------------------------------------------------------ content reads

  @Override
  public dev.artifacts.repo.CommitPage log(String revision, int limit, String cursor) {
    return new ContentReads(this).log(revision, limit, cursor);
  }

  @Override
  public dev.artifacts.repo.Tree tree(String revision, String path, boolean recursive, int limit) {
    return new ContentReads(this).tree(revision, path, recursive, limit);
  }

  @Override
  public dev.artifacts.repo.Blob blob(String revision, String path) {
    return new ContentReads(this).blob(revision, path);
  }

  @Override
  public dev.artifacts.repo.Diff diff(String from, String to, long maxBytes) {
    return new ContentReads(this).diff(from, to, maxBytes);
  }

  @Override
  public Optional<dev.artifacts.repo.Note> note(String notesRef, String revision) {
    return new ContentReads(this).note(notesRef, revision);
  }

  @Override
  public List<dev.artifacts.repo.Note> notes(String notesRef, int limit) {
    return new ContentReads(this).notes(notesRef, limit);
  }

  @Override
  public void archive(String revision, dev.artifacts.repo.ArchiveFormat format, java.io.OutputStream out)
      throws IOException {
    new ContentReads(this).archive(revision, format, out);
  }
}
