// A watch over HTTP: newline-delimited JSON events on a chunked 200 reply whose headers are flushed
// at once (kubectl's rollout status / wait / delete --wait hang otherwise).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceType } from '../api/resource-type.js';
import type { WatchEvent } from '../api/object.js';
import { ApiError } from '../api/status.js';
import type { ResourceService } from './resource-service.js';
import { toTable, wantsTable } from './table.js';

const defaultTimeoutSeconds = 1800;
/** A client that reads this far behind is cut off rather than buffered without bound. */
const maxBufferedBytes = 64 * 1024 * 1024;

export async function serveWatch(
  req: IncomingMessage, res: ServerResponse, service: ResourceService, rt: ResourceType, ns: string, query: URLSearchParams,
): Promise<void> {
  const table = wantsTable(req.headers.accept);
  let first = true;
  const render = (ev: WatchEvent): unknown => {
    if (!table || ev.type === 'ERROR' || ev.type === 'BOOKMARK') return ev;
    const obj = toTable(rt, [ev.object], { resourceVersion: ev.object.metadata.resourceVersion }, 'Metadata', first);
    first = false;
    return { type: ev.type, object: obj };
  };
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  let closed = false;
  let corked = false;
  const uncork = () => {
    if (!corked) return;
    corked = false;
    res.uncork();
  };
  const send = (ev: WatchEvent) => {
    if (closed) return;
    // Events of one turn of the event loop (a burst of writes) leave in one TLS write, not one each:
    // fewer records and syscalls here, fewer wake-ups and reads for the watcher.
    if (!corked) {
      corked = true;
      res.cork();
      setImmediate(uncork);
    }
    res.write(JSON.stringify(render(ev)) + '\n');
    if (res.writableLength > maxBufferedBytes) finish();
  };
  let handle: { stop(): void } | undefined;
  const finish = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    handle?.stop();
    uncork();
    res.end();
  };
  const timeout = query.has('timeoutSeconds') ? Math.max(0, Number(query.get('timeoutSeconds'))) : defaultTimeoutSeconds;
  const timer = setTimeout(finish, timeout * 1000);
  req.on('close', finish);
  res.on('close', finish);
  try {
    handle = await service.watch(rt, ns, {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      allowWatchBookmarks: query.get('allowWatchBookmarks') === 'true',
      sendInitialEvents: query.get('sendInitialEvents') === 'true',
    }, send);
    if (closed) handle.stop();
  } catch (e) {
    // Errors after the headers go out as an ERROR event carrying the Status, as upstream does.
    const err = e instanceof ApiError ? e : new ApiError(500, 'InternalError', (e as Error).message);
    send({ type: 'ERROR', object: err.toStatus() as never });
    finish();
  }
}
