// The host runtime's containers share the node's network, so two pods cannot listen on one port.
// A container that failed because its port was taken says so in its log (EADDRINUSE, "Address already
// in use"); the node agent turns that into an Event naming the clash instead of a bare crash loop.
import fs from 'node:fs';

const clash = /EADDRINUSE|address already in use/i;

/** Whether the tail of a container's log shows a failed bind on a port in use. */
export function logShowsPortClash(logPath: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(logPath, 'r');
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 8192);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    return clash.test(buf.toString('utf8'));
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
