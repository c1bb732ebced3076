package dev.artifacts;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.artifacts.internal.engine.EngineRepository;
import dev.artifacts.internal.engine.Maintenance;
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
  private final byte[] adminTokenHash;
  private final Authenticator authenticator;
  private final LoadingCache<String, Optional<EngineRepository>> repositories;
  private final Maintenance maintenance;

  private Artifacts(Builder b) {
    this.storage = b.storage;
    this.pushLimits = b.pushLimits;
    this.adminTokenHash = b.adminToken == null ? null : Secrets.sha256(b.adminToken);
    this.authenticator = b.authenticator != null ? b.authenticator : new BasicTokenAuthenticator(this);
    this.maintenance = new Maintenance(id -> !storage.forks(id).isEmpty(), b.autoCompaction);
    EngineRepository.RefsChangedListener listener =
        (repo, changes) -> maintenance.refsChanged(repo);
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
      String token = issueToken(repoId, TokenScope.WRITE, null);
      repositories.invalidate(repoId);
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
      String token = issueToken(id, readOnly ? TokenScope.READ : TokenScope.WRITE, null);
      repositories.invalidate(id);
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
   * Repacks a repository now, in the calling thread: objects reachable from refs go into packs
   * with bitmaps (fast clones), unreachable ones into a garbage pack dropped after a day. Safe
   * while pushes and clones run: packs written meanwhile are kept, and no object a ref reaches
   * is ever dropped. Repositories are also repacked in the background as pushes accumulate
   * packs, unless {@link Builder#autoCompaction(boolean)} turned that off.
   *
   * @throws ArtifactsException {@code not_found} when the repository does not exist
   * @throws StorageException when the backend fails; the repository is unchanged then
   */
  public void compact(String id) {
    EngineRepository repo =
        (EngineRepository) repository(id).orElseThrow(() -> notFound(id));
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
   * @return the secret; only its hash is stored, so it cannot be shown again
   * @throws ArtifactsException {@code not_found} when the repository does not exist
   */
  public String issueToken(String repositoryId, TokenScope scope, Duration ttl) {
    requireValidId(repositoryId);
    Objects.requireNonNull(scope, "scope");
    if (storage.open(repositoryId).isEmpty()) {
      throw notFound(repositoryId);
    }
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      throw new ArtifactsException(
          ArtifactsException.Kind.INVALID, "invalid_ttl", "token lifetime must be positive");
    }
    String secret = Secrets.newToken();
    long now = System.currentTimeMillis();
    storage
        .tokens()
        .put(
            new TokenRecord(
                Secrets.sha256Hex(secret),
                repositoryId,
                scope.wireName(),
                now,
                ttl == null ? 0 : now + ttl.toMillis()));
    return secret;
  }

  /**
   * Checks a token secret against a repository.
   *
   * @return WRITE or READ for a live token of this repository, FORBIDDEN for a live token of
   *     another repository, UNAUTHENTICATED for an unknown, revoked or expired token
   */
  public Access tokenAccess(String repositoryId, String secret) {
    if (secret == null || secret.isEmpty()) {
      return Access.UNAUTHENTICATED;
    }
    if (isAdminToken(secret)) {
      return isReadOnly(repositoryId) ? Access.READ : Access.WRITE;
    }
    Optional<TokenRecord> record = storage.tokens().find(Secrets.sha256Hex(secret));
    if (record.isEmpty()) {
      return Access.UNAUTHENTICATED;
    }
    TokenRecord t = record.get();
    if (t.expiresMillis() != 0 && t.expiresMillis() <= System.currentTimeMillis()) {
      return Access.UNAUTHENTICATED;
    }
    if (!t.repositoryId().equals(repositoryId)) {
      return Access.FORBIDDEN;
    }
    if (TokenScope.fromWireName(t.scope()) != TokenScope.WRITE) {
      return Access.READ;
    }
    return isReadOnly(repositoryId) ? Access.READ : Access.WRITE;
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

  /** @return the authenticator in force: the host's, or the built-in token authenticator */
  public Authenticator authenticator() {
    return authenticator;
  }

  /** @return the limits every push is checked against */
  public PushLimits pushLimits() {
    return pushLimits;
  }

  /** @return the storage backend */
  public Storage storage() {
    return storage;
  }

  /** Closes the storage backend. Never throws. */
  @Override
  public void close() {
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
    private String adminToken;
    private Authenticator authenticator;
    private long blockCacheBytes;
    private int openRepositoryCacheSize = 10_000;
    private boolean autoCompaction = true;

    private Builder(Storage storage) {
      this.storage = Objects.requireNonNull(storage, "storage");
    }

    /** Limits every push is checked against; default {@link PushLimits#DEFAULT}. */
    public Builder pushLimits(PushLimits limits) {
      this.pushLimits = Objects.requireNonNull(limits, "limits");
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

    /** The host's authenticator, replacing the built-in token authenticator. */
    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
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
