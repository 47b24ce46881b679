/**
 * Runs `work` with a signal that aborts after `timeoutInMs`, or as soon as `outer` aborts, and
 * settles by then even if `work` never looks at the signal again.
 *
 * Why not `AbortSignal.any([outer, AbortSignal.timeout(ms)])`: on Node 20 a fetch given that
 * composite loses its link to it after a garbage collection (nodejs/node#55428, undici #4068), so
 * a fetch to a server that never answers was never aborted and hung until the handler's own
 * timeout. Here the controller and the timer are held until the work is over, and the race ends
 * the wait whatever the work does with its signal.
 * @throws the abort reason: a `TimeoutError` DOMException after `timeoutInMs`, or `outer`'s reason.
 */
export async function withDeadline<T>(timeoutInMs: number, outer: AbortSignal | undefined, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const aborted = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  const followOuter = () => controller.abort(outer!.reason);
  if (outer?.aborted) followOuter();
  else outer?.addEventListener('abort', followOuter, { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException(`The operation timed out after ${timeoutInMs} ms`, 'TimeoutError')), timeoutInMs);
  try {
    return await Promise.race([work(controller.signal), aborted]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', followOuter);
  }
}
