package dev.artifacts.internal.engine;

import dev.artifacts.spi.ObjectStore;
import dev.artifacts.spi.PackDescriptor;
import dev.artifacts.spi.ReadableFile;
import dev.artifacts.spi.StorageException;
import dev.artifacts.spi.WritableFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.internal.storage.dfs.DfsObjDatabase;
import org.eclipse.jgit.internal.storage.dfs.DfsOutputStream;
import org.eclipse.jgit.internal.storage.dfs.DfsPackDescription;
import org.eclipse.jgit.internal.storage.dfs.DfsReaderOptions;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.ReadableChannel;
import org.eclipse.jgit.internal.storage.pack.PackExt;

/** Adapts an SPI {@link ObjectStore} to JGit's DFS object database. */
final class StoreObjDatabase extends DfsObjDatabase {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Map<String, PackExt> EXTENSIONS = new HashMap<>();

  static {
    for (PackExt ext : PackExt.values()) {
      EXTENSIONS.put(ext.getExtension(), ext);
    }
  }

  private final ObjectStore store;
  private final boolean readOnly;
  /** Ancestors' object stores by repository id, nearest first: a fork reads their packs too. */
  private final Map<String, ObjectStore> ancestors;

  StoreObjDatabase(
      EngineRepository repository,
      ObjectStore store,
      boolean readOnly,
      Map<String, ObjectStore> ancestors,
      DfsReaderOptions options) {
    super(repository, options);
    this.store = store;
    this.readOnly = readOnly;
    this.ancestors = ancestors;
  }

  /** @return true when {@code pack} belongs to this repository rather than an ancestor */
  boolean owns(DfsPackDescription pack) {
    return pack.getRepositoryDescription().equals(getRepository().getDescription());
  }

  private ObjectStore storeOf(DfsPackDescription pack) throws IOException {
    if (owns(pack)) {
      return store;
    }
    ObjectStore ancestor = ancestors.get(pack.getRepositoryDescription().getRepositoryName());
    if (ancestor == null) {
      throw new IOException("pack " + pack.getPackName() + " belongs to an unknown repository");
    }
    return ancestor;
  }

  private void requireWritable() throws IOException {
    if (readOnly) {
      throw new IOException(
          "repository " + getRepository().getDescription().getRepositoryName() + " is read-only");
    }
  }

  @Override
  protected DfsPackDescription newPack(PackSource source) throws IOException {
    requireWritable();
    byte[] random = new byte[8];
    RANDOM.nextBytes(random);
    String name =
        Long.toHexString(System.currentTimeMillis())
            + "-"
            + HexFormat.of().formatHex(random)
            + "-"
            + source.name().toLowerCase(java.util.Locale.ROOT);
    return new DfsPackDescription(getRepository().getDescription(), name, source)
        .setLastModified(System.currentTimeMillis());
  }

  @Override
  protected void commitPackImpl(
      Collection<DfsPackDescription> desc, Collection<DfsPackDescription> replaces)
      throws IOException {
    requireWritable();
    List<PackDescriptor> added = new ArrayList<>(desc.size());
    for (DfsPackDescription d : desc) {
      added.add(toDescriptor(d));
    }
    List<String> replaced = new ArrayList<>();
    if (replaces != null) {
      for (DfsPackDescription d : replaces) {
        // An ancestor's packs are never retired through a fork.
        if (owns(d)) {
          replaced.add(d.getPackName());
        }
      }
    }
    try {
      store.commit(added, replaced);
    } catch (StorageException e) {
      throw new IOException("storage failed to commit packs " + names(desc) + ": " + e.getMessage(), e);
    }
    if (!replaced.isEmpty()) {
      // A repack or compaction retired packs: the next reader lists the packs afresh instead of
      // reading retired ones until a miss. (A plain insert needs no rescan: JGit adds the new
      // pack to the cached list itself right after this commit.)
      clearCache();
    }
  }

  @Override
  protected void rollbackPack(Collection<DfsPackDescription> desc) {
    List<String> own = new ArrayList<>(desc.size());
    for (DfsPackDescription d : desc) {
      if (owns(d)) {
        own.add(d.getPackName());
      }
    }
    store.rollback(own);
  }

  @Override
  protected List<DfsPackDescription> listPacks() throws IOException {
    List<DfsPackDescription> out = new ArrayList<>();
    addPacks(out, getRepository().getDescription(), store);
    for (Map.Entry<String, ObjectStore> a : ancestors.entrySet()) {
      addPacks(out, new DfsRepositoryDescription(a.getKey()), a.getValue());
    }
    return out;
  }

  private static void addPacks(
      List<DfsPackDescription> out, DfsRepositoryDescription owner, ObjectStore from)
      throws IOException {
    List<PackDescriptor> packs;
    try {
      packs = from.listPacks();
    } catch (StorageException e) {
      throw new IOException(
          "storage failed to list packs of " + owner.getRepositoryName() + ": " + e.getMessage(), e);
    }
    for (PackDescriptor p : packs) {
      out.add(fromDescriptor(owner, p));
    }
  }

  @Override
  protected ReadableChannel openFile(DfsPackDescription desc, PackExt ext) throws IOException {
    ReadableFile file;
    try {
      file = storeOf(desc).open(desc.getPackName(), ext.getExtension()).orElse(null);
    } catch (StorageException e) {
      throw new IOException("storage failed to open " + desc.getFileName(ext) + ": " + e.getMessage(), e);
    }
    if (file == null) {
      throw new FileNotFoundException(desc.getFileName(ext));
    }
    return new FileChannelAdapter(file);
  }

  @Override
  protected DfsOutputStream writeFile(DfsPackDescription desc, PackExt ext) throws IOException {
    requireWritable();
    try {
      return new OutputAdapter(store.create(desc.getPackName(), ext.getExtension()));
    } catch (StorageException e) {
      throw new IOException("storage failed to create " + desc.getFileName(ext) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public long getApproximateObjectCount() {
    long count = 0;
    try {
      for (DfsPackDescription p : listPacks()) {
        count += p.getObjectCount();
      }
    } catch (IOException e) {
      return -1;
    }
    return count;
  }

  private PackDescriptor toDescriptor(DfsPackDescription d) {
    Map<String, Long> files = new HashMap<>();
    for (PackExt ext : PackExt.values()) {
      if (d.hasFileExt(ext)) {
        files.put(ext.getExtension(), d.getFileSize(ext));
      }
    }
    long created = d.getLastModified() > 0 ? d.getLastModified() : System.currentTimeMillis();
    return new PackDescriptor(
        d.getPackName(), d.getPackSource().name(), files, d.getObjectCount(), created);
  }

  private static DfsPackDescription fromDescriptor(DfsRepositoryDescription owner, PackDescriptor p) {
    PackSource source;
    try {
      source = PackSource.valueOf(p.source());
    } catch (IllegalArgumentException e) {
      source = PackSource.INSERT;
    }
    DfsPackDescription d = new DfsPackDescription(owner, p.name(), source);
    d.setLastModified(p.createdMillis());
    d.setObjectCount(p.objectCount());
    for (Map.Entry<String, Long> f : p.files().entrySet()) {
      PackExt ext = EXTENSIONS.get(f.getKey());
      if (ext != null) {
        d.addFileExt(ext);
        d.setFileSize(ext, f.getValue());
      }
    }
    if (d.hasFileExt(PackExt.INDEX)) {
      d.setIndexVersion(2);
    }
    return d;
  }

  private static List<String> names(Collection<DfsPackDescription> desc) {
    List<String> names = new ArrayList<>(desc.size());
    for (DfsPackDescription d : desc) {
      names.add(d.getPackName());
    }
    return names;
  }

  /** Sequential channel view over a positional {@link ReadableFile}. */
  private static final class FileChannelAdapter implements ReadableChannel {
    private final ReadableFile file;
    private long position;
    private boolean open = true;

    FileChannelAdapter(ReadableFile file) {
      this.file = file;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      try {
        int n = file.read(position, dst);
        if (n > 0) {
          position += n;
        }
        return n;
      } catch (StorageException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public void position(long newPosition) {
      position = newPosition;
    }

    @Override
    public long size() {
      return file.size();
    }

    @Override
    public int blockSize() {
      return file.blockSize();
    }

    @Override
    public void setReadAheadBytes(int bufferSize) {
      // Reads are positional; the backend decides its own read-ahead.
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
      file.close();
    }
  }

  private static final class OutputAdapter extends DfsOutputStream {
    private final WritableFile file;

    OutputAdapter(WritableFile file) {
      this.file = file;
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      try {
        file.write(buf, off, len);
      } catch (StorageException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    @Override
    public int read(long position, ByteBuffer buf) throws IOException {
      try {
        return file.read(position, buf);
      } catch (StorageException e) {
        throw new IOException(e.getMessage(), e);
      }
    }

    @Override
    public void close() throws IOException {
      try {
        file.close();
      } catch (StorageException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
  }
}
