package dev.artifacts.internal.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarWriterTest {
  @TempDir Path tmp;

  @Test
  void paxRecordLengthCountsItself() {
    for (int n = 0; n < 2000; n += 7) {
      byte[] rec = TarWriter.paxRecord("path", "x".repeat(n).getBytes(StandardCharsets.UTF_8));
      String s = new String(rec, StandardCharsets.UTF_8);
      assertThat(Integer.parseInt(s.substring(0, s.indexOf(' ')))).isEqualTo(rec.length);
    }
  }

  @Test
  void longNamesLinksModesAndContentSurviveGnuTar() throws Exception {
    String prefixName = "p".repeat(60) + "/" + "q".repeat(60) + "/file.txt"; // fits prefix + name
    String paxName = "n".repeat(120) + "/" + "m".repeat(200) + ".txt"; // fits nowhere: pax path
    String longTarget = "t/".repeat(80) + "target";
    byte[] content = "content\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    Path tgz = tmp.resolve("a.tar.gz");
    try (OutputStream file = Files.newOutputStream(tgz); GZIPOutputStream gz = new GZIPOutputStream(file)) {
      TarWriter w = new TarWriter(gz, 1_600_000_000L, "c0ffee");
      w.directory("d");
      w.file("d/run.sh", true, 3, new ByteArrayInputStream("hi\n".getBytes(StandardCharsets.UTF_8)));
      w.file(prefixName, false, content.length, new ByteArrayInputStream(content));
      w.file(paxName, false, 1, new ByteArrayInputStream(new byte[] {'z'}));
      w.file("ünï.txt", false, 0, new ByteArrayInputStream(new byte[0]));
      w.symlink("short-link", "d/run.sh".getBytes(StandardCharsets.UTF_8));
      w.symlink("long-link", longTarget.getBytes(StandardCharsets.UTF_8));
      w.finish();
      gz.finish();
    }
    Path into = tmp.resolve("x");
    Files.createDirectories(into);
    ArchiveTestSupport.run(into, "tar", "xzf", tgz.toString());
    assertThat(Files.readAllBytes(into.resolve(prefixName))).isEqualTo(content);
    assertThat(Files.readAllBytes(into.resolve(paxName))).isEqualTo(new byte[] {'z'});
    assertThat(Files.exists(into.resolve("ünï.txt"))).isTrue();
    assertThat(Files.getPosixFilePermissions(into.resolve("d/run.sh"))).contains(PosixFilePermission.OWNER_EXECUTE);
    assertThat(Files.readSymbolicLink(into.resolve("short-link")).toString()).isEqualTo("d/run.sh");
    assertThat(Files.readSymbolicLink(into.resolve("long-link")).toString()).isEqualTo(longTarget);
    assertThat(Files.getLastModifiedTime(into.resolve("d/run.sh")).toMillis()).isEqualTo(1_600_000_000_000L);
    assertThat(Files.size(tmp.resolve("a.tar.gz"))).isPositive();
    String listing = ArchiveTestSupport.run(tmp, "tar", "tvzf", tgz.toString());
    assertThat(listing).contains("root/root");
  }
}
