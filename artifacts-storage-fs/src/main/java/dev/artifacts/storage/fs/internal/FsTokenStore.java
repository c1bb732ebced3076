package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.TokenRecord;
import dev.artifacts.spi.TokenStore;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token records, one file per record at {@code tokens/<hash>}, each replaced atomically (temp,
 * fsync, rename, fsync of {@code tokens/}); all records are cached in memory at open. Puts run
 * concurrently: only the rename is serialized, and concurrent puts share the directory fsync
 * ({@link DirectorySync}).
 *
 * <pre>
 * artifacts-token v1
 * hash TAB &lt;hash&gt;
 * repository TAB &lt;URL-encoded id&gt;
 * scope TAB &lt;URL-encoded scope&gt;
 * created TAB &lt;millis&gt;
 * expires TAB &lt;millis&gt;
 * crc32 &lt;hex&gt;
 * </pre>
 */
public final class FsTokenStore implements TokenStore {
  private static final Logger LOG = LoggerFactory.getLogger(FsTokenStore.class);
  static final String FORMAT = "artifacts-token v1";
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{1,128}");

  private final Path dir;
  private final Lifecycle lifecycle;
  private final FsOptions options;
  private final Object lock = new Object();
  private final Map<String, TokenRecord> records = new ConcurrentHashMap<>();
  private final DirectorySync dirSync;
  /** Puts in progress (guarded by {@code lock}); {@link #awaitWrites} waits for them. */
  private int writers;

  private FsTokenStore(Path dir, Lifecycle lifecycle, FsOptions options) {
    this.dir = dir;
    this.lifecycle = lifecycle;
    this.options = options;
    this.dirSync = new DirectorySync(dir);
  }

  /** Loads every record under {@code dir}, removing temp files of interrupted writes. */
  public static FsTokenStore load(Path dir, Lifecycle lifecycle, FsOptions options)
      throws IOException {
    Files.createDirectories(dir);
    FsFiles.deleteTempFilesQuietly(dir);
    FsTokenStore store = new FsTokenStore(dir, lifecycle, options);
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (!HASH.matcher(name).matches()) {
          LOG.warn("ignoring unexpected file {}", p);
          continue;
        }
        try {
          TokenRecord r = parse(Files.readAllBytes(p));
          if (!r.hash().equals(name)) {
            throw new SealedText.CorruptFileException("hash does not match the file name");
          }
          store.records.put(name, r);
        } catch (SealedText.CorruptFileException e) {
          // an unreadable record grants nothing; keep the file for inspection
          LOG.error("ignoring damaged token record {}: {}", p, e.getMessage());
        }
      }
    }
    return store;
  }

  static byte[] serialize(TokenRecord t) {
    String body =
        FORMAT + "\n"
            + "hash\t" + t.hash() + "\n"
            + "repository\t" + URLEncoder.encode(t.repositoryId(), StandardCharsets.UTF_8) + "\n"
            + "scope\t" + URLEncoder.encode(t.scope(), StandardCharsets.UTF_8) + "\n"
            + "created\t" + t.createdMillis() + "\n"
            + "expires\t" + t.expiresMillis() + "\n";
    return SealedText.seal(body);
  }

  static TokenRecord parse(byte[] data) throws SealedText.CorruptFileException {
    String[] lines = SealedText.open(data, FORMAT);
    Map<String, String> f = new java.util.HashMap<>();
    for (String line : lines) {
      int tab = line.indexOf('\t');
      if (tab <= 0) {
        throw new SealedText.CorruptFileException("bad line: " + line);
      }
      f.put(line.substring(0, tab), line.substring(tab + 1));
    }
    try {
      return new TokenRecord(
          Objects.requireNonNull(f.get("hash"), "hash"),
          URLDecoder.decode(Objects.requireNonNull(f.get("repository"), "repository"),
              StandardCharsets.UTF_8),
          URLDecoder.decode(Objects.requireNonNull(f.get("scope"), "scope"),
              StandardCharsets.UTF_8),
          Long.parseLong(Objects.requireNonNull(f.get("created"), "created")),
          Long.parseLong(Objects.requireNonNull(f.get("expires"), "expires")));
    } catch (RuntimeException e) {
      throw new SealedText.CorruptFileException("bad record: " + e);
    }
  }

  @Override
  public void put(TokenRecord token) {
    Objects.requireNonNull(token, "token");
    if (!HASH.matcher(token.hash()).matches()) {
      throw new IllegalArgumentException("token hash must be lowercase hex: " + token.hash());
    }
    synchronized (lock) {
      lifecycle.checkOpen();
      writers++;
    }
    try {
      Path target = dir.resolve(token.hash());
      // The record is written and fsynced under a unique temporary name outside the lock, so
      // concurrent puts (one per fork or repository created) fsync in parallel; only the rename
      // and the cache update are serialized (against remove), and the directory fsync that makes
      // the rename durable is shared by concurrent puts (group commit).
      Path tmp;
      try {
        tmp = FsFiles.writeTemp(target, serialize(token), true);
      } catch (IOException e) {
        throw new StorageException("cannot store token record", e);
      }
      synchronized (lock) {
        try {
          try {
            options.faults().at(FsOptions.FaultInjector.TOKENS_BEFORE_RENAME);
          } catch (IOException e) {
            FsFiles.deleteQuietly(tmp);
            throw e;
          }
          FsFiles.renameOver(tmp, target);
        } catch (IOException e) {
          throw new StorageException("cannot store token record", e);
        }
        records.put(token.hash(), token);
      }
      try {
        dirSync.sync();
      } catch (IOException e) {
        throw new StorageException("token record stored but could not be made durable", e);
      }
    } finally {
      synchronized (lock) {
        if (--writers == 0) {
          lock.notifyAll();
        }
      }
    }
  }

  @Override
  public Optional<TokenRecord> find(String hash) {
    lifecycle.checkOpen();
    return hash == null ? Optional.empty() : Optional.ofNullable(records.get(hash));
  }

  @Override
  public List<TokenRecord> forRepository(String repositoryId) {
    lifecycle.checkOpen();
    List<TokenRecord> out = new ArrayList<>();
    for (TokenRecord r : records.values()) {
      if (r.repositoryId().equals(repositoryId)) {
        out.add(r);
      }
    }
    return out;
  }

  @Override
  public boolean remove(String hash) {
    if (hash == null || !HASH.matcher(hash).matches()) {
      lifecycle.checkOpen();
      return false;
    }
    synchronized (lock) {
      lifecycle.checkOpen();
      if (!records.containsKey(hash)) {
        return false;
      }
      try {
        Files.deleteIfExists(dir.resolve(hash));
        records.remove(hash);
        FsFiles.fsyncDirectory(dir);
      } catch (IOException e) {
        throw new StorageException("cannot remove token record", e);
      }
      return true;
    }
  }

  /** Durably removes every record of {@code repositoryId} (one directory fsync). */
  public void removeRepository(String repositoryId) {
    synchronized (lock) {
      lifecycle.checkOpen();
      boolean any = false;
      try {
        for (TokenRecord r : List.copyOf(records.values())) {
          if (r.repositoryId().equals(repositoryId)) {
            Files.deleteIfExists(dir.resolve(r.hash()));
            records.remove(r.hash());
            any = true;
          }
        }
        if (any) {
          FsFiles.fsyncDirectory(dir);
        }
      } catch (IOException e) {
        throw new StorageException("cannot remove token records of " + repositoryId, e);
      }
    }
  }

  /** Waits for a write in flight; called at close after the lifecycle is marked closed. */
  public void awaitWrites() {
    boolean interrupted = false;
    synchronized (lock) {
      while (writers > 0) {
        try {
          lock.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
