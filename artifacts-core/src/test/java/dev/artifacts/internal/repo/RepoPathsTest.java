package dev.artifacts.internal.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.artifacts.ArtifactsException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RepoPathsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a", "README.md", "dir/file.txt", "a/b/c/d.e", ".gitignore", ".github/workflows/ci.yml",
        "x.git", "git", "..a", "a..", "...", "sp ace/ü.txt", "emoji-\uD83D\uDE00", ".gitmodules",
        ".git x", "git~2", "git~1x", ".gitx", "a.git.", "\u200c"
      })
  void acceptsOrdinaryPaths(String path) {
    assertThat(RepoPaths.problem(path)).isNull();
    RepoPaths.require(path);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", "/abs", "/", "a/", "dir/", "a//b", "//", "..", "../x", "a/../b", "a/..", ".", "./a", "a/./b",
        ".git", ".git/config", "a/.git/x", ".GIT/config", "a/.Git", "nul\u0000byte", "tab\there",
        "new\nline", "cr\r", "del\u007f", "back\\slash", "lone\uD800surrogate",
        // what git fsck (and so a push) refuses as '.git' on NTFS and HFS+
        ".git ", ".git.", ".GIT. .", "a/.git /hooks/x", "git~1", "GIT~1/config", "git~1 .",
        ".g\u200cit", ".\u200dGIT/config", "\ufeff.git", ".gi\u206at/x"
      })
  void refusesBadPathsNamingThem(String path) {
    assertThat(RepoPaths.problem(path)).isNotNull();
    assertThatThrownBy(() -> RepoPaths.require(path))
        .isInstanceOfSatisfying(
            ArtifactsException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ArtifactsException.Kind.INVALID);
              assertThat(e.code()).isEqualTo("invalid_path");
              assertThat(e.details().get("path")).isEqualTo(path);
              assertThat(e.getMessage()).contains("'" + RepoPaths.printable(path) + "'");
            });
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        ".gitmodules", "sub/.gitmodules", ".GITMODULES", ".gitmodules ", ".gitmodules.", ".gitmodules:$DATA",
        "gitmod~1", "GITMOD~4", "gi7eba~9", ".gitmod\u200cules"
      })
  void refusesGitmodulesAsASymlink(String path) {
    assertThat(RepoPaths.problem(path)).isNull();
    assertThat(RepoPaths.symlinkProblem(path)).contains(".gitmodules");
  }

  @ParameterizedTest
  @ValueSource(strings = {"link", ".gitmodules/x", "gitmodules", ".gitmodulesx", "gitmod~5", "a/.gitignore"})
  void acceptsOtherSymlinks(String path) {
    assertThat(RepoPaths.symlinkProblem(path)).isNull();
  }

  @org.junit.jupiter.api.Test
  void refusesNullAndOverlongPaths() {
    assertThat(RepoPaths.problem(null)).isNotNull();
    assertThat(RepoPaths.problem("a".repeat(RepoPaths.MAX_LENGTH))).isNull();
    assertThat(RepoPaths.problem("a".repeat(RepoPaths.MAX_LENGTH + 1))).contains("longer");
  }
}
