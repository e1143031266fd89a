// The kubelet's words for a lifecycle hook that failed: the message of its FailedPostStartHook and
// FailedPreStopHook events, naming the handler, the container and the pod.
import type { KubeObject } from '../api/object.js';
import type { ProbeResult } from './probe-handlers.js';

export function hookFailureMessage(handler: any, container: string, pod: KubeObject, result: ProbeResult): string {
  const podRef = `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
  const where = `for Container ${JSON.stringify(container)} in Pod ${JSON.stringify(podRef)} failed`;
  if (handler?.exec) {
    const command: string[] = handler.exec.command ?? [];
    const error = result.exitCode !== undefined ? `command '${command.join(' ')}' exited with ${result.exitCode}: ${result.message}` : result.message;
    return `Exec lifecycle hook ([${command.join(' ')}]) ${where} - error: ${error}, message: ${JSON.stringify(result.message)}`;
  }
  if (handler?.httpGet) return `HTTP lifecycle hook (${handler.httpGet.path ?? ''}) ${where} - error: ${result.message}`;
  return result.message;
}
