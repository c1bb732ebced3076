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

  StoreObjDatabase(EngineRepository repository, ObjectStore store, DfsReaderOptions options) {
    super(repository, options);
    this.store = store;
  }

  @Override
  protected DfsPackDescription newPack(PackSource source) {
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
    List<PackDescriptor> added = new ArrayList<>(desc.size());
    for (DfsPackDescription d : desc) {
      added.add(toDescriptor(d));
    }
    List<String> replaced = new ArrayList<>();
    if (replaces != null) {
      for (DfsPackDescription d : replaces) {
        replaced.add(d.getPackName());
      }
    }
    try {
      store.commit(added, replaced);
    } catch (StorageException e) {
      throw new IOException("storage failed to commit packs " + names(desc) + ": " + e.getMessage(), e);
    }
  }

  @Override
  protected void rollbackPack(Collection<DfsPackDescription> desc) {
    store.rollback(names(desc));
  }

  @Override
  protected List<DfsPackDescription> listPacks() throws IOException {
    List<PackDescriptor> packs;
    try {
      packs = store.listPacks();
    } catch (StorageException e) {
      throw new IOException("storage failed to list packs: " + e.getMessage(), e);
    }
    List<DfsPackDescription> out = new ArrayList<>(packs.size());
    for (PackDescriptor p : packs) {
      out.add(fromDescriptor(p));
    }
    return out;
  }

  @Override
  protected ReadableChannel openFile(DfsPackDescription desc, PackExt ext) throws IOException {
    ReadableFile file;
    try {
      file = store.open(desc.getPackName(), ext.getExtension()).orElse(null);
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

  private DfsPackDescription fromDescriptor(PackDescriptor p) {
    PackSource source;
    try {
      source = PackSource.valueOf(p.source());
    } catch (IllegalArgumentException e) {
      source = PackSource.INSERT;
    }
    DfsPackDescription d =
        new DfsPackDescription(getRepository().getDescription(), p.name(), source);
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
