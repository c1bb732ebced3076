package dev.artifacts;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.artifacts.events.Event;
import dev.artifacts.events.Events;
import dev.artifacts.internal.engine.EngineRepository;
import dev.artifacts.internal.events.EventHub;
import dev.artifacts.internal.events.RequestActor;
import dev.artifacts.internal.engine.Maintenance;
import dev.artifacts.internal.repo.DefaultRepo;
import dev.artifacts.repo.Repo;
import dev.artifacts.internal.Failures;
import dev.artifacts.internal.Secrets;
import dev.artifacts.internal.BasicTokenAuthenticator;
import dev.artifacts.spi.DeleteResult;
import dev.artifacts.spi.RefBatchResult;
import dev.artifacts.spi.RefChange;
import dev.artifacts.spi.RefValue;
import dev.artifacts.spi.RepositoryIds;
import dev.artifacts.spi.RepositoryStore;
import dev.artifacts.spi.Storage;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jgit.internal.storage.dfs.DfsBlockCache;
import org.eclipse.jgit.internal.storage.dfs.DfsBlockCacheConfig;
import org.eclipse.jgit.lib.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point of the library: repositories, tokens and access decisions over one {@link
 * Storage} backend. A host builds one instance at start-up, hands it to the servlet adapter and
 * may use it directly from Java.
 *
 * <p>Thread-safe. Methods that change state are atomic: a failed {@link #createRepository}
 * leaves no repository behind. Failures of the backend surface as {@link StorageException};
 * invalid requests as {@link ArtifactsException}.
 */
public final class Artifacts implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Artifacts.class);
  private static final String DEFAULT_BRANCH = "refs/heads/main";

  private final Storage storage;
  private final PushLimits pushLimits;
  private final CommitLimits commitLimits;
  private final byte[] adminTokenHash;
  private final Authenticator hostAuthenticator;
  private final Authenticator builtInAuthenticator;
  private final Authorizer hostAuthorizer;
  private final RefVisibility refVisibility;
  private final LoadingCache<String, Optional<EngineRepository>> repositories;
  private final Maintenance maintenance;
  private final EventHub events;

  private Artifacts(Builder b) {
    this.storage = b.storage;
    this.pushLimits = b.pushLimits;
    this.commitLimits = b.commitLimits;
    this.adminTokenHash = b.adminToken == null ? null : Secrets.sha256(b.adminToken);
    this.hostAuthenticator = b.authenticator;
    this.builtInAuthenticator = new BasicTokenAuthenticator(this);
    this.hostAuthorizer = b.authorizer;
    this.refVisibility = b.refVisibility;
    this.maintenance =
        new Maintenance(id -> !storage.forks(id).isEmpty(), b.autoCompaction, b.garbageRetention.toMillis());
    this.events =
        new EventHub(
            new EventHub.Settings(
                b.eventRetention, b.eventRetentionCount, b.eventQueueCapacity, b.eventHeartbeat,
                b.maxEventStreams),
            java.time.Clock.systemUTC());
    EngineRepository.RefsChangedListener listener =
        new EngineRepository.RefsChangedListener() {
          @Override
          public void refsChanged(EngineRepository repo, List<RefChange> changes) {
            events.refsChanged(repo.store().id(), changes);
          }

          @Override
          public void afterRefsChanged(EngineRepository repo) {
            maintenance.refsChanged(repo);
          }
        };
    this.repositories =
        Caffeine.newBuilder()
            .maximumSize(b.openRepositoryCacheSize)
            .build(id -> storage.open(id).map(store -> EngineRepository.open(store, ancestors(store), listener)));
  }

  /** Starts building an instance over {@code storage}; the instance takes ownership of it. */
  public static Builder builder(Storage storage) {
    return new Builder(storage);
  }

  /**
   * Creates an empty repository whose HEAD points at the unborn branch {@code main}, and a write
   * token for it.
   *
   * @param id the id to use, or null to generate one
   * @throws ArtifactsException {@code invalid_id} (INVALID) when the id breaks {@link
   *     RepositoryIds}'s rule, {@code repo_exists} (CONFLICT) when it is taken
   * @throws StorageException when the backend fails; nothing is left behind in that case
   */
  public CreatedRepository createRepository(String id) {
    String repoId = id == null ? Secrets.randomId() : id;
    if (!RepositoryIds.isValid(repoId)) {
      throw invalidId(repoId);
    }
    RepositoryStore store = storage.create(repoId).orElseThrow(() -> exists(repoId));
    try {
      RefBatchResult head =
          store.refs().apply(List.of(RefChange.create("HEAD", RefValue.symbolic(DEFAULT_BRANCH))));
      if (!head.applied()) {
        throw new StorageException("HEAD of new repository " + repoId + " already set", null);
      }
      String token = storeToken(repoId, TokenScope.WRITE, null).secret();
      repositories.invalidate(repoId);
      events.publish(Event.TYPE_REPO_CREATE, repoId, List.of(), RequestActor.current(), java.util.Map.of());
      return new CreatedRepository(repoId, token);
    } catch (RuntimeException e) {
      try {
        storage.delete(repoId);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * Forks a repository: the fork starts with the parent's refs and HEAD and shares its objects
   * without copying them, so it costs a few hundred bytes whatever the parent's size. Pushes to
   * either side never change the other.
   *
   * @param childId the fork's id, or null to generate one
   * @param readOnly stored with the fork and enforced on every write path, whatever token is
   *     presented
   * @return the fork with a new token: write-scoped, or read-scoped for a read-only fork
   * @throws ArtifactsException {@code not_found} when the parent does not exist, {@code
   *     invalid_id} or {@code repo_exists} for a bad or taken child id
   */
  public CreatedRepository fork(String parentId, String childId, boolean readOnly) {
    requireValidId(parentId);
    String id = childId == null ? Secrets.randomId() : childId;
    if (!RepositoryIds.isValid(id)) {
      throw invalidId(id);
    }
    Optional<RepositoryStore> fork;
    try {
      fork = storage.fork(parentId, id, readOnly);
    } catch (IllegalArgumentException e) {
      throw notFound(parentId);
    }
    if (fork.isEmpty()) {
      throw exists(id);
    }
    try {
      String token = storeToken(id, readOnly ? TokenScope.READ : TokenScope.WRITE, null).secret();
      repositories.invalidate(id);
      events.publish(
          Event.TYPE_REPO_FORK,
          id,
          List.of(),
          RequestActor.current(),
          java.util.Map.of("parent", parentId, "readOnly", Boolean.toString(readOnly)));
      return new CreatedRepository(id, token);
    } catch (RuntimeException e) {
      try {
        storage.delete(id);
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * Deletes a repository, its objects, refs and tokens. A repository with forks is refused
   * unless {@code cascade}, which deletes the whole subtree of forks, deepest first.
   *
   * @return false when there was no such repository
   * @throws ArtifactsException {@code fork_dependency} (CONFLICT) naming the forks, when the
   *     repository has forks and {@code cascade} is false
   */
  public boolean deleteRepository(String id, boolean cascade) {
    requireValidId(id);
    if (cascade) {
      for (String child : storage.forks(id)) {
        deleteRepository(child, true);
      }
    }
    DeleteResult result = storage.delete(id);
    repositories.invalidate(id);
    if (result == DeleteResult.DELETED) {
      events.publish(Event.TYPE_REPO_DELETE, id, List.of(), RequestActor.current(), java.util.Map.of());
    }
    if (result == DeleteResult.HAS_FORKS) {
      List<String> forks = storage.forks(id);
      throw new ArtifactsException(
          ArtifactsException.Kind.CONFLICT,
          "fork_dependency",
          "repository '" + id + "' has forks " + forks
              + "; delete them first or delete with cascade");
    }
    return result == DeleteResult.DELETED;
  }

  /** Same as {@link #deleteRepository(String, boolean)} without cascade. */
  public boolean deleteRepository(String id) {
    return deleteRepository(id, false);
  }

  /** @return repository ids in ascending order after {@code afterId} (null: from the start) */
  public List<String> listRepositories(String afterId, int limit) {
    return storage.list(afterId, limit);
  }

  /**
   * Opens a repository as a JGit {@link Repository} that reads and writes the storage backend.
   * The instance is shared and must not be closed by the caller.
   *
   * @return the repository, or empty when it does not exist (or the id is invalid)
   */
  public Optional<Repository> repository(String id) {
    if (!RepositoryIds.isValid(id)) {
      return Optional.empty();
    }
    Optional<EngineRepository> repo = repositories.get(id);
    if (repo.isEmpty()) {
      repositories.invalidate(id);
    }
    return repo.map(r -> r);
  }

  /**
   * A repository as the REST side door sees it, with every ref visible: for trusted code.
   *
   * @throws ArtifactsException {@code not_found} when the repository does not exist
   */
  public Repo repo(String id) {
    return new DefaultRepo(this, engine(id), null);
  }

  /**
   * A repository as {@code viewer} sees it: refs hidden from the viewer by the {@link
   * RefVisibility} hook are left out, and revisions reachable only from them are not found. Does
   * not check that the viewer may read the repository; see {@link #isAllowed}.
   *
   * @throws ArtifactsException {@code not_found} when the repository does not exist
   */
  public Repo repo(String id, Principal viewer) {
    return new DefaultRepo(this, engine(id), Objects.requireNonNull(viewer, "viewer"));
  }

  /**
   * Summarises a repository as {@code viewer} sees it. Counting commits walks the history
   * reachable from the visible refs.
   *
   * @param viewer the caller, or null to see every ref
   * @throws ArtifactsException {@code not_found} when the repository does not exist
   */
  public RepositoryInfo info(String id, Principal viewer) {
    EngineRepository git = engine(id);
    DefaultRepo view = new DefaultRepo(this, git, viewer);
    List<org.eclipse.jgit.lib.Ref> refs = view.visibleRefs();
    long commits = 0;
    try (org.eclipse.jgit.revwalk.RevWalk walk = new org.eclipse.jgit.revwalk.RevWalk(git)) {
      walk.setRetainBody(false);
      for (org.eclipse.jgit.lib.Ref ref : refs) {
        org.eclipse.jgit.lib.ObjectId target =
            ref.getPeeledObjectId() != null ? ref.getPeeledObjectId() : ref.getObjectId();
        try {
          org.eclipse.jgit.revwalk.RevObject o = walk.parseAny(target);
          if (o instanceof org.eclipse.jgit.revwalk.RevCommit c) {
            walk.markStart(c);
          }
        } catch (org.eclipse.jgit.errors.MissingObjectException e) {
          // a ref pointing at nothing reaches no commit
        }
      }
      while (walk.next() != null) {
        commits++;
      }
    } catch (java.io.IOException e) {
      throw Failures.unchecked(e);
    }
    long size = 0;
    for (dev.artifacts.spi.PackDescriptor pack : git.store().objects().listPacks()) {
      for (long bytes : pack.files().values()) {
        size += bytes;
      }
    }
    return new RepositoryInfo(
        id,
        git.store().parentId().orElse(null),
        git.store().readOnly(),
        view.head().orElse(null),
        view.refs(),
        size,
        commits,
        storage.forks(id).size());
  }

  /** @return how many repositories exist; walks the registry */
  public long countRepositories() {
    long count = 0;
    String after = null;
    while (true) {
      List<String> page = storage.list(after, 1000);
      count += page.size();
      if (page.size() < 1000) {
        return count;
      }
      after = page.get(page.size() - 1);
    }
  }

  /**
   * @return up to {@code limit} repository ids in ascending order, skipping the first {@code
   *     offset}
   * @throws IllegalArgumentException when offset is negative or limit is not positive
   */
  public List<String> listRepositories(long offset, int limit) {
    if (offset < 0 || limit <= 0) {
      throw new IllegalArgumentException("offset must be >= 0 and limit > 0");
    }
    String after = null;
    long skipped = 0;
    while (skipped < offset) {
      int step = (int) Math.min(1000, offset - skipped);
      List<String> page = storage.list(after, step);
      if (page.isEmpty()) {
        return List.of();
      }
      skipped += page.size();
      after = page.get(page.size() - 1);
      if (page.size() < step) {
        return List.of();
      }
    }
    return storage.list(after, limit);
  }

  private EngineRepository engine(String id) {
    return (EngineRepository) repository(id).orElseThrow(() -> notFound(id));
  }

  /**
   * Repacks a repository now, in the calling thread: objects reachable from refs go into packs
   * with bitmaps (fast clones), unreachable ones into a garbage pack dropped after the {@link
   * Builder#garbageRetention garbage retention} (never while the repository has forks). Safe
   * while pushes and clones run: packs written meanwhile are kept, and no object a ref reaches
   * is ever dropped. Repositories are also repacked in the background as pushes accumulate
   * packs, unless {@link Builder#autoCompaction(boolean)} turned that off.
   *
   * @throws ArtifactsException {@code not_found} when the repository does not exist
   * @throws StorageException when the backend fails; the repository is unchanged then
   */
  public void compact(String id) {
    EngineRepository repo = engine(id);
    try {
      maintenance.repackNow(repo);
    } catch (java.io.IOException e) {
      StorageException cause = Failures.storageCause(e);
      throw cause != null ? cause : new StorageException("repack of " + id + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Issues a new token for a repository.
   *
   * @param ttl lifetime, or null for a token that does not expire
   * @return the secret, which cannot be shown again (only its hash is stored), and its metadata
   * @throws ArtifactsException {@code not_found} when the repository does not exist, {@code
   *     invalid_ttl} when {@code ttl} is zero or negative
   */
  public IssuedToken issueToken(String repositoryId, TokenScope scope, Duration ttl) {
    IssuedToken issued = storeToken(repositoryId, scope, ttl);
    events.publish(
        Event.TYPE_TOKEN_ISSUE, repositoryId, List.of(), RequestActor.current(), tokenData(issued.info()));
    return issued;
  }

  private static java.util.Map<String, String> tokenData(TokenInfo info) {
    return java.util.Map.of("tokenId", info.id(), "scope", info.scope().wireName());
  }

  private IssuedToken storeToken(String repositoryId, TokenScope scope, Duration ttl) {
    requireValidId(repositoryId);
    Objects.requireNonNull(scope, "scope");
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID, "invalid_ttl", "token lifetime must be positive");
    }
    if (storage.open(repositoryId).isEmpty()) {
      throw notFound(repositoryId);
    }
    String secret = Secrets.newToken();
    long now = System.currentTimeMillis();
    TokenRecord record =
        new TokenRecord(
            Secrets.sha256Hex(secret),
            repositoryId,
            scope.wireName(),
            now,
            ttl == null ? 0 : now + ttl.toMillis());
    storage.tokens().put(record);
    return new IssuedToken(secret, tokenInfo(record));
  }

  /**
   * @return the live (unexpired) tokens of a repository, oldest first, without their secrets
   * @throws ArtifactsException {@code not_found} when the repository does not exist
   */
  public List<TokenInfo> listTokens(String repositoryId) {
    requireExisting(repositoryId);
    long now = System.currentTimeMillis();
    return storage.tokens().forRepository(repositoryId).stream()
        .filter(t -> !isExpired(t, now))
        .sorted(
            java.util.Comparator.comparingLong(TokenRecord::createdMillis)
                .thenComparing(TokenRecord::hash))
        .map(Artifacts::tokenInfo)
        .toList();
  }

  /**
   * Revokes every token of a repository and issues one new token. The new token is stored before
   * the old ones are removed, so a failure part-way leaves the repository usable.
   *
   * @param scope the new token's scope
   * @param ttl the new token's lifetime, or null for none
   * @throws ArtifactsException {@code not_found} when the repository does not exist
   */
  public IssuedToken rotateTokens(String repositoryId, TokenScope scope, Duration ttl) {
    IssuedToken fresh = storeToken(repositoryId, scope, ttl);
    String keep = Secrets.sha256Hex(fresh.secret());
    int revoked = 0;
    for (TokenRecord t : storage.tokens().forRepository(repositoryId)) {
      if (!t.hash().equals(keep) && storage.tokens().remove(t.hash())) {
        revoked++;
      }
    }
    java.util.Map<String, String> data = new java.util.HashMap<>(tokenData(fresh.info()));
    data.put("revoked", Integer.toString(revoked));
    events.publish(Event.TYPE_TOKEN_ROTATE, repositoryId, List.of(), RequestActor.current(), data);
    return fresh;
  }

  /**
   * Revokes a token: the next request that presents it is refused. Idempotent.
   *
   * @return the revoked token's metadata, or empty when the secret names no stored token (never
   *     issued, or already revoked)
   */
  public Optional<TokenInfo> revokeToken(String secret) {
    if (secret == null || secret.isEmpty()) {
      return Optional.empty();
    }
    Optional<TokenRecord> record = storage.tokens().find(Secrets.sha256Hex(secret));
    if (record.isEmpty() || !storage.tokens().remove(record.get().hash())) {
      return Optional.empty();
    }
    TokenInfo info = tokenInfo(record.get());
    events.publish(
        Event.TYPE_TOKEN_REVOKE, info.repositoryId(), List.of(), RequestActor.current(), tokenData(info));
    return Optional.of(info);
  }

  /**
   * The principal a secret stands for: the admin, or the holder of a live repository token.
   * Expiry and revocation take effect at once.
   *
   * @return empty for an unknown, revoked or expired secret
   */
  public Optional<Principal> principalOf(String secret) {
    if (secret == null || secret.isEmpty()) {
      return Optional.empty();
    }
    byte[] hash = Secrets.sha256(secret);
    if (adminTokenHash != null && java.security.MessageDigest.isEqual(adminTokenHash, hash)) {
      return Optional.of(AdminPrincipal.INSTANCE);
    }
    String hex = java.util.HexFormat.of().formatHex(hash);
    Optional<TokenRecord> record = storage.tokens().find(hex);
    if (record.isEmpty()
        || !java.security.MessageDigest.isEqual(
            record.get().hash().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            hex.getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        || isExpired(record.get(), System.currentTimeMillis())) {
      return Optional.empty();
    }
    TokenRecord t = record.get();
    return Optional.of(
        new TokenPrincipal(tokenId(t.hash()), t.repositoryId(), TokenScope.fromWireName(t.scope())));
  }

  /**
   * Says who is calling: the host's authenticator first, then the built-in one (admin token or
   * repository token, as Bearer or Basic password).
   *
   * @return the caller, or empty when nobody recognises the credentials (HTTP 401)
   */
  public Optional<Principal> authenticate(AuthRequest request) {
    if (hostAuthenticator != null) {
      Optional<Principal> p = hostAuthenticator.authenticate(request);
      if (p != null && p.isPresent()) {
        return p;
      }
    }
    return builtInAuthenticator.authenticate(request);
  }

  /**
   * Decides whether a principal may do something: allowed when the built-in authorizer or the
   * host's allows it, except that {@link Permission#WRITE} on a read-only repository is always
   * refused. Does not say whether the repository exists, so that callers without access learn
   * nothing about it.
   *
   * @param repositoryId the repository, or null for an instance-wide action
   */
  public boolean isAllowed(Principal principal, String repositoryId, Permission permission) {
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(permission, "permission");
    boolean allowed = builtInAllows(principal, repositoryId, permission)
        || (hostAuthorizer != null && hostAuthorizer.isAllowed(principal, repositoryId, permission));
    if (allowed && permission == Permission.WRITE && repositoryId != null && isReadOnly(repositoryId)) {
      return false;
    }
    return allowed;
  }

  /**
   * @return true when the caller may see the ref; {@code HEAD} and other symbolic refs are
   *     visible when their target is
   */
  public boolean isRefVisible(Principal principal, String repositoryId, String refName) {
    return refVisibility == RefVisibility.ALL
        || refVisibility.isVisible(principal, repositoryId, refName);
  }

  /** @return true when every ref is visible to every caller (no visibility hook is installed) */
  public boolean hidesNoRefs() {
    return refVisibility == RefVisibility.ALL;
  }

  /** @return true when the repository exists and was created read-only */
  public boolean isReadOnly(String repositoryId) {
    return RepositoryIds.isValid(repositoryId)
        && storage.open(repositoryId).map(RepositoryStore::readOnly).orElse(false);
  }

  /** @return true when {@code secret} is the admin token (compared in constant time) */
  public boolean isAdminToken(String secret) {
    return adminTokenHash != null
        && secret != null
        && java.security.MessageDigest.isEqual(adminTokenHash, Secrets.sha256(secret));
  }

  /** @return the limits every REST or API commit is checked against */
  public CommitLimits commitLimits() {
    return commitLimits;
  }

  /** @return the limits every push is checked against */
  public PushLimits pushLimits() {
    return pushLimits;
  }

  /** @return the storage backend */
  public Storage storage() {
    return storage;
  }

  /**
   * The event stream of this instance: one event per change (push, commit, merge, repository
   * create/fork/delete, token issue/revoke/rotate), published after the change is durable.
   */
  public Events events() {
    return events;
  }

  /** Ends every event subscription, then closes the storage backend. Never throws. */
  @Override
  public void close() {
    events.close();
    maintenance.close();
    repositories.invalidateAll();
    try {
      storage.close();
    } catch (RuntimeException e) {
      LOG.warn("closing storage failed", e);
    }
  }

  private static void requireValidId(String id) {
    if (!RepositoryIds.isValid(id)) {
      throw new ArtifactsException(
          ArtifactsException.Kind.NOT_FOUND, "not_found", "repository '" + id + "' not found");
    }
  }

  private void requireExisting(String id) {
    requireValidId(id);
    if (storage.open(id).isEmpty()) {
      throw notFound(id);
    }
  }

  private static boolean builtInAllows(Principal principal, String repositoryId, Permission permission) {
    if (principal == AdminPrincipal.INSTANCE) {
      return true;
    }
    if (principal instanceof TokenPrincipal token && repositoryId != null
        && token.repositoryId().equals(repositoryId)) {
      return permission == Permission.READ
          || (permission == Permission.WRITE && token.scope() == TokenScope.WRITE);
    }
    return false;
  }

  private static boolean isExpired(TokenRecord t, long nowMillis) {
    return t.expiresMillis() != 0 && t.expiresMillis() <= nowMillis;
  }

  private static String tokenId(String hash) {
    return hash.substring(0, 16);
  }

  private static TokenInfo tokenInfo(TokenRecord t) {
    return new TokenInfo(
        tokenId(t.hash()),
        t.repositoryId(),
        TokenScope.fromWireName(t.scope()),
        java.time.Instant.ofEpochMilli(t.createdMillis()),
        t.expiresMillis() == 0 ? null : java.time.Instant.ofEpochMilli(t.expiresMillis()));
  }

  private static ArtifactsException invalidId(String id) {
    return new ArtifactsException(
        ArtifactsException.Kind.INVALID,
        "invalid_id",
        "invalid repository id '" + id + "': use 1 to 64 characters, each a letter, digit, '-' or '_'");
  }

  private static ArtifactsException exists(String id) {
    return new ArtifactsException(
        ArtifactsException.Kind.CONFLICT, "repo_exists", "repository '" + id + "' already exists");
  }

  /** The parent, grandparent, ... of a fork, nearest first. */
  private List<RepositoryStore> ancestors(RepositoryStore store) {
    List<RepositoryStore> chain = new ArrayList<>();
    Optional<String> parent = store.parentId();
    while (parent.isPresent()) {
      String parentId = parent.get();
      RepositoryStore p =
          storage
              .open(parentId)
              .orElseThrow(
                  () ->
                      new StorageException(
                          "repository " + store.id() + " is a fork of missing repository " + parentId, null));
      chain.add(p);
      parent = p.parentId();
    }
    return chain;
  }

  private static ArtifactsException notFound(String id) {
    return new ArtifactsException(
        ArtifactsException.Kind.NOT_FOUND, "not_found", "repository '" + id + "' not found");
  }

  /** Configures an {@link Artifacts} instance. */
  public static final class Builder {
    private final Storage storage;
    private PushLimits pushLimits = PushLimits.DEFAULT;
    private CommitLimits commitLimits = CommitLimits.DEFAULT;
    private String adminToken;
    private Authenticator authenticator;
    private Authorizer authorizer;
    private RefVisibility refVisibility = RefVisibility.ALL;
    private long blockCacheBytes;
    private int openRepositoryCacheSize = 10_000;
    private boolean autoCompaction = true;
    private Duration garbageRetention = Duration.ofDays(1);
    private Duration eventRetention = EventHub.Settings.DEFAULT.retention();
    private int eventRetentionCount = EventHub.Settings.DEFAULT.retentionCount();
    private int eventQueueCapacity = EventHub.Settings.DEFAULT.queueCapacity();
    private Duration eventHeartbeat = EventHub.Settings.DEFAULT.heartbeat();
    private int maxEventStreams = EventHub.Settings.DEFAULT.maxStreams();

    private Builder(Storage storage) {
      this.storage = Objects.requireNonNull(storage, "storage");
    }

    /** Limits every push is checked against; default {@link PushLimits#DEFAULT}. */
    public Builder pushLimits(PushLimits limits) {
      this.pushLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Limits every commit made through {@link Repo#commit} (and the REST commit endpoint) is
     * checked against; default {@link CommitLimits#DEFAULT}.
     */
    public Builder commitLimits(CommitLimits limits) {
      this.commitLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * The admin token: it authorizes the REST administration endpoints and acts as a write token
     * for every repository. Null (the default) disables admin access.
     */
    public Builder adminToken(String token) {
      if (token != null && token.isBlank()) {
        throw new IllegalArgumentException("admin token must not be blank");
      }
      this.adminToken = token;
      return this;
    }

    /**
     * The host's authenticator. It is asked first; when it answers empty, the built-in one
     * (admin token, repository tokens) is asked.
     */
    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
      return this;
    }

    /**
     * The host's authorizer: a request is allowed when it or the built-in authorizer (admin
     * token, repository token scopes) allows it.
     */
    public Builder authorizer(Authorizer authorizer) {
      this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
      return this;
    }

    /** Hides refs per caller; default {@link RefVisibility#ALL}. */
    public Builder refVisibility(RefVisibility visibility) {
      this.refVisibility = Objects.requireNonNull(visibility, "visibility");
      return this;
    }

    /**
     * Size of JGit's pack block cache in bytes. The cache is shared by every repository in the
     * JVM, so this reconfigures it process-wide; 0 (the default) leaves it as it is.
     */
    public Builder blockCacheBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("block cache size must be >= 0");
      }
      this.blockCacheBytes = bytes;
      return this;
    }

    /**
     * Whether repositories are repacked in the background once pushes have accumulated enough
     * packs (default true). With it off, only {@link Artifacts#compact} repacks.
     */
    public Builder autoCompaction(boolean enabled) {
      this.autoCompaction = enabled;
      return this;
    }

    /**
     * How long objects no ref reaches any more survive repacks (default one day), so that a
     * clone or push running while a branch is deleted still finds them. Repositories with forks
     * keep such objects for as long as forks exist, because a fork's refs may still reach them.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder garbageRetention(Duration retention) {
      if (retention == null || retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException("garbage retention must be positive");
      }
      this.garbageRetention = retention;
      return this;
    }

    /**
     * How long events stay in the retained log that subscribers resume from (default one hour).
     * Events are held in memory; see also {@link #eventRetentionCount}.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder eventRetention(Duration retention) {
      if (retention == null || retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException("event retention must be positive");
      }
      this.eventRetention = retention;
      return this;
    }

    /**
     * How many events the retained log keeps at most (default 10,000); the oldest go first.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder eventRetentionCount(int count) {
      if (count <= 0) {
        throw new IllegalArgumentException("event retention count must be positive");
      }
      this.eventRetentionCount = count;
      return this;
    }

    /**
     * How many live events may wait for one subscriber (a listener or an SSE stream) before it
     * is dropped as too slow (default 1,000). Publishing never waits for a subscriber.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder eventQueueCapacity(int capacity) {
      if (capacity <= 0) {
        throw new IllegalArgumentException("event queue capacity must be positive");
      }
      this.eventQueueCapacity = capacity;
      return this;
    }

    /**
     * Interval of the heartbeat comments on idle Server-Sent Events streams (default 15 s).
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder eventHeartbeat(Duration interval) {
      if (interval == null || interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("event heartbeat must be positive");
      }
      this.eventHeartbeat = interval;
      return this;
    }

    /**
     * How many Server-Sent Events streams one servlet serves at once (default 256); more are
     * answered 503. Each open stream holds a container thread.
     *
     * @throws IllegalArgumentException when not positive
     */
    public Builder maxEventStreams(int max) {
      if (max <= 0) {
        throw new IllegalArgumentException("max event streams must be positive");
      }
      this.maxEventStreams = max;
      return this;
    }

    /** @return the configured instance */
    public Artifacts build() {
      if (blockCacheBytes > 0) {
        DfsBlockCacheConfig config = new DfsBlockCacheConfig();
        config.setBlockLimit(blockCacheBytes);
        config.setBlockSize(64 * 1024);
        DfsBlockCache.reconfigure(config);
      }
      return new Artifacts(this);
    }
  }
}
