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
}
