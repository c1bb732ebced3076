package dev.artifacts.storage.fs.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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
   * Builds a fork's own directory at {@link #dir} (which must not exist) so that renaming it into
   * place publishes it: when the fork is settled, before its first write (until then its entry is
   * a link to a {@link ForkViews view}). No file is created: {@code artifacts/refs}, {@code
   * artifacts/fork}, {@code config}, {@code HEAD}, {@code packed-refs} and {@code
   * objects/info/alternates} are hard links to {@link SharedFiles} (every fork of one parent has
   * the same record and alternates, and forks made while the parent's refs did not change the same
   * refs and mirrors), so the directory adds only five directories to the disk. Nothing is fsynced
   * here ({@link #settleFork} does). Where links cannot be made, private copies are written.
   * {@code artifacts/packs}, {@code artifacts/incoming/} and {@code objects/pack/} are created by
   * the first write.
   *
   * @param parentDir the parent's final directory (in {@code repos/}), for the alternates file
   * @param image the refs the fork starts with
   * @return the shared file name of the fork's refs, which its journal record names
   */
  public String initializeFork(
      Path parentDir, ForkRecord record, FsRefStore.ForkImage image, SharedFiles shared)
      throws IOException {
    Files.createDirectory(dir);
    Files.createDirectory(refsDir);
    Files.createDirectory(objectsDir);
    Files.createDirectory(infoDir);
    Files.createDirectory(metaDir);
    linkOrWrite(shared, config, CONFIG.getBytes(StandardCharsets.UTF_8));
    linkOrWrite(shared, alternates, alternatesContent(parentDir));
    linkOrWrite(shared, head, image.head());
    linkOrWrite(shared, packedRefs, image.packedRefs());
    linkOrWrite(shared, forkRecord, record.serialize());
    linkOrWrite(shared, refsFile, image.refsFile());
    return shared.ensure(image.refsFile());
  }

  private static void linkOrWrite(SharedFiles shared, Path target, byte[] content)
      throws IOException {
    if (!shared.link(target, content)) {
      FsFiles.writeNew(target, content);
    }
  }

  /**
   * Makes a fork directory built by {@link #initializeFork} durable on its own: its authoritative
   * files (private copies were not fsynced), {@code artifacts/} and the directory itself. The
   * caller renames it into place and fsyncs {@code repos/}.
   */
  public void settleFork() throws IOException {
    FsFiles.fsyncFile(refsFile);
    FsFiles.fsyncFile(forkRecord);
    FsFiles.fsyncDirectory(metaDir);
    FsFiles.fsyncDirectory(dir);
  }
}
