package dev.artifacts.storage.fs.internal;

import dev.artifacts.spi.RefValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Paths inside one repository directory, and creation of an empty repository.
 *
 * <pre>
 * &lt;repo&gt;/
 *   HEAD, packed-refs      git-readable mirrors of artifacts/refs (derived, rewritten on load)
 *   config                 [core] repositoryformatversion = 0, bare = true
 *   refs/                  always empty (git requires the directory)
 *   objects/pack/          committed files: pack-&lt;name&gt;.&lt;ext&gt;
 *   artifacts/packs        authoritative pack manifest
 *   artifacts/refs         authoritative refs (HEAD included)
 *   artifacts/incoming/    uncommitted pack files &lt;name&gt;.&lt;ext&gt;
 *   artifacts/fork         forks only: parent id and read-only flag (authoritative)
 *   objects/info/alternates  forks only: absolute path of the parent's objects/ (derived)
 * </pre>
 */
public final class RepoLayout {
  public static final String CONFIG =
      "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n";

  public final Path dir;
  public final Path head;
  public final Path packedRefs;
  public final Path config;
  public final Path refsDir;
  public final Path objectsDir;
  public final Path packDir;
  public final Path metaDir;
  public final Path packManifest;
  public final Path refsFile;
  public final Path incomingDir;
  public final Path forkRecord;
  public final Path infoDir;
  public final Path alternates;

  public RepoLayout(Path dir) {
    this.dir = dir;
    this.head = dir.resolve("HEAD");
    this.packedRefs = dir.resolve("packed-refs");
    this.config = dir.resolve("config");
    this.refsDir = dir.resolve("refs");
    this.objectsDir = dir.resolve("objects");
    this.packDir = objectsDir.resolve("pack");
    this.metaDir = dir.resolve("artifacts");
    this.packManifest = metaDir.resolve("packs");
    this.refsFile = metaDir.resolve("refs");
    this.incomingDir = metaDir.resolve("incoming");
    this.forkRecord = metaDir.resolve("fork");
    this.infoDir = objectsDir.resolve("info");
    this.alternates = infoDir.resolve("alternates");
  }

  /** @return the content of {@code objects/info/alternates} of a fork of {@code parentDir} */
  public static byte[] alternatesContent(Path parentDir) {
    Path objects = parentDir.toAbsolutePath().normalize().resolve("objects");
    return (objects + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** @return where git expects the file {@code ext} of pack {@code name} */
  public Path packFile(String name, String ext) {
    return packDir.resolve("pack-" + name + "." + ext);
  }

  /** @return where the uncommitted file {@code ext} of pack {@code name} is written */
  public Path incomingFile(String name, String ext) {
    return incomingDir.resolve(name + "." + ext);
  }

  /**
   * Builds an empty repository at {@link #dir} (which must not exist), every file and directory
   * entry fsynced, so that renaming the directory into place publishes a complete repository.
   */
  public void initialize() throws IOException {
    Files.createDirectory(dir);
    Files.createDirectory(refsDir);
    Files.createDirectory(objectsDir);
    Files.createDirectory(packDir);
    Files.createDirectory(metaDir);
    Files.createDirectory(incomingDir);
    FsFiles.writeDurably(config, CONFIG.getBytes(StandardCharsets.UTF_8));
    FsFiles.writeDurably(head, RefsFile.renderHead(Map.of()));
    FsFiles.writeDurably(packedRefs, RefsFile.renderPackedRefs(Map.of()));
    FsFiles.writeDurably(packManifest, PackManifest.serialize(java.util.List.of()));
    FsFiles.writeDurably(refsFile, RefsFile.serialize(Map.of()));
    for (Path d : new Path[] {refsDir, packDir, objectsDir, incomingDir, metaDir, dir}) {
      FsFiles.fsyncDirectory(d);
    }
  }

  /**
   * Builds a fork at {@link #dir} (which must not exist) so that renaming the directory into place
   * publishes it. No file is created: the authoritative {@code artifacts/refs} is a hard link to
   * the parent's ({@link FsRefStore#shareWithFork}), {@code artifacts/fork}, {@code config} and
   * {@code objects/info/alternates} are hard links to durable {@link SharedFiles} (every fork of
   * one parent has the same record and alternates), so a fork adds only its five directories to
   * the disk and making it durable takes two directory fsyncs ({@code artifacts/} and the fork's
   * directory). Where links cannot be made, private copies are written (the authoritative ones
   * fsynced). {@code HEAD} and {@code packed-refs} are linked to the parent's current mirrors or
   * written; they, {@code config} and {@code objects/info/alternates} are derived and rebuilt when
   * the repository is loaded. {@code artifacts/packs}, {@code artifacts/incoming/} and
   * {@code objects/pack/} are created by the first write.
   *
   * @param parentDir the parent's final directory (in {@code repos/}), for the alternates file
   * @param parentRefs the parent's refs, which the fork starts with
   * @return the refs the fork starts with
   */
  public NavigableMap<String, RefValue> initializeFork(
      Path parentDir, ForkRecord record, FsRefStore parentRefs, SharedFiles shared)
      throws IOException {
    Files.createDirectory(dir);
    Files.createDirectory(refsDir);
    Files.createDirectory(objectsDir);
    Files.createDirectory(infoDir);
    Files.createDirectory(metaDir);
    byte[] config = CONFIG.getBytes(StandardCharsets.UTF_8);
    if (!shared.link(this.config, config)) {
      FsFiles.writeNew(this.config, config);
    }
    byte[] alternatesBytes = alternatesContent(parentDir);
    if (!shared.link(alternates, alternatesBytes)) {
      FsFiles.writeNew(alternates, alternatesBytes);
    }
    NavigableMap<String, RefValue> refs = parentRefs.shareWithFork(refsFile, head, packedRefs);
    byte[] fork = record.serialize();
    if (!shared.link(forkRecord, fork)) {
      FsFiles.writeDurably(forkRecord, fork);
    }
    FsFiles.fsyncDirectory(metaDir);
    FsFiles.fsyncDirectory(dir);
    return refs;
  }
}
