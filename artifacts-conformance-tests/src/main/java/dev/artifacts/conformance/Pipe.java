package dev.artifacts.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/**
 * A bounded in-memory byte pipe between two threads. Unlike {@link java.io.PipedInputStream},
 * a reader wakes up as soon as bytes are written (no one-second polling), and either end may be
 * closed from any thread.
 */
final class Pipe {
  private final byte[] buffer;
  private int readPos;
  private int count;
  private boolean writerClosed;
  private boolean readerClosed;

  final InputStream in = new In();
  final OutputStream out = new Out();

  Pipe(int capacity) {
    buffer = new byte[capacity];
  }

  private synchronized int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (count == 0) {
      if (writerClosed || readerClosed) {
        return -1;
      }
      await();
    }
    int n = Math.min(len, count);
    for (int i = 0; i < n; i++) {
      b[off + i] = buffer[(readPos + i) % buffer.length];
    }
    readPos = (readPos + n) % buffer.length;
    count -= n;
    notifyAll();
    return n;
  }

  private synchronized void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (readerClosed) {
        throw new IOException("pipe closed by the reader");
      }
      if (writerClosed) {
        throw new IOException("pipe closed");
      }
      if (count == buffer.length) {
        await();
        continue;
      }
      int n = Math.min(len, buffer.length - count);
      int writePos = (readPos + count) % buffer.length;
      for (int i = 0; i < n; i++) {
        buffer[(writePos + i) % buffer.length] = b[off + i];
      }
      count += n;
      off += n;
      len -= n;
      notifyAll();
    }
  }

  private void await() throws InterruptedIOException {
    try {
      wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting on an in-process pipe");
    }
  }

  private synchronized void closeWriter() {
    writerClosed = true;
    notifyAll();
  }

  private synchronized void closeReader() {
    readerClosed = true;
    notifyAll();
  }

  private final class In extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = Pipe.this.read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return Pipe.this.read(b, off, len);
    }

    @Override
    public int available() {
      synchronized (Pipe.this) {
        return count;
      }
    }

    @Override
    public void close() {
      closeReader();
    }
  }

  private final class Out extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      Pipe.this.write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Pipe.this.write(b, off, len);
    }

    @Override
    public void close() {
      closeWriter();
    }
  }
}
