package dev.artifacts.repo;

/** The formats {@link Repo#archive} writes. */
public enum ArchiveFormat {
  /** ZIP, entries deflated unless that does not make them smaller, ZIP64 when needed. */
  ZIP("zip", "application/zip"),
  /** POSIX ustar with pax extended headers, gzip-compressed. */
  TAR_GZ("tar.gz", "application/gzip");

  private final String extension;
  private final String contentType;

  ArchiveFormat(String extension, String contentType) {
    this.extension = extension;
    this.contentType = contentType;
  }

  /** @return the file-name extension, without the leading dot: {@code zip}, {@code tar.gz} */
  public String extension() {
    return extension;
  }

  /** @return the media type of the archive */
  public String contentType() {
    return contentType;
  }
}
