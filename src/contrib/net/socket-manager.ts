/**
 * The lifecycle every socket manager shares; subclasses only say how to start connecting.
 *
 * How an idle socket is watched, cheaply and without touching a user's data. A socket is idle from
 * `create` to the first `onAcquire`, and from every `onRelease` to the next `onAcquire`:
 * - it carries one `'error'` listener, the same function for every socket (no closure per socket
 *   or per release), so an error while idle (a reset) cannot crash the process: the error
 *   destroys the socket and stays in `socket.errored`;
 * - it never flows: `onRelease` pauses a socket its user left flowing, so bytes that arrive while
 *   idle stay in its buffer instead of being emitted to nobody (a fresh or paused socket buffers
 *   them already).
 *
 * `checkAliveness` then only reads flags: dead once the socket is destroyed (it errored, or the
 * peer closed it), ended, no longer writable, or has unread bytes (data arrived while idle, or the
 * last user left some unread: either way the protocol is out of step).
 *
 * `onAcquire` takes the `'error'` listener off and puts a paused socket back in the state of a
 * fresh one (neither flowing nor paused: a `'data'` listener starts the flow); its `'error'` events
 * are its user's to handle, as for any socket.
 *
 * Per acquire and release that is one listener added or removed and one flag read (and written
 * when the user left the socket flowing or paused). It used to be a `'readable'` listener too,
 * whose every addition and removal schedules work on the stream (a `read(0)` and a re-evaluation
 * of its flowing state, one `process.nextTick` each).
 */
import type * as net from 'node:net';
import { inspect } from 'node:util';
import type { OperationContext } from '../../index.ts';
import { BaseConnectionManager } from '../../index.ts';

/** Swallows an idle socket's error; the error destroys the socket, which makes it dead. */
function ignoreIdleError(): void {}

/** Node.js types `readableFlowing` read-only, but its setter is what resets the flowing state. */
type Resettable = { readableFlowing: boolean | null };

/** Watches an idle socket: its errors are swallowed, and it does not flow (see the file header). */
function watchIdle(socket: net.Socket): void {
  socket.on('error', ignoreIdleError);
  if (socket.readableFlowing === true) socket.pause();
}

/**
 * Hands an idle socket over: its errors are its user's again, and a paused socket becomes neither
 * flowing nor paused, as a fresh one (`readableFlowing` is writable for exactly this).
 */
function unwatchIdle(socket: net.Socket): void {
  socket.off('error', ignoreIdleError);
  if (socket.readableFlowing === false) (socket as Resettable).readableFlowing = null;
}

/**
 * Resolves when `socket` emits `readyEvent`; rejects with its `'error'` or, on abort, with
 * `signal.reason`. Leaves no listener behind either way.
 */
function whenReady(
  socket: net.Socket,
  readyEvent: 'connect' | 'secureConnect',
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: unknown) => {
      socket.off(readyEvent, onReady);
      socket.off('error', settle);
      signal.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = () => settle();
    const onAbort = () => settle(signal.reason);
    socket.once(readyEvent, onReady);
    socket.once('error', settle);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Base of the socket managers: `create` connects (honouring the signal), idle sockets are watched
 * (see the file header), `checkAliveness` reads the socket's state, `dispose` ends the socket
 * gracefully and destroys it when the signal aborts.
 *
 * @typeParam E - the endpoint
 * @typeParam S - the socket type `connect` returns
 * @typeParam O - the options `connect` uses for every socket
 */
export abstract class SocketConnectionManager<
  E,
  S extends net.Socket,
  O extends object,
> extends BaseConnectionManager<E, S> {
  /** A copy of the constructor's options: later changes to the caller's object do not count. */
  protected readonly options: Readonly<O>;

  /**
   * @param options used by `connect` for every socket (default: none). `host`, `port` or `path`
   *   come from the endpoint. A non-object throws a `TypeError`.
   */
  constructor(options?: O) {
    super();
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`${new.target.name}: options must be an object, got ${inspect(options)}`);
    }
    this.options = { ...options } as O;
  }

  /** The event after which the socket is usable: `'connect'`, or `'secureConnect'` for TLS. */
  protected abstract readonly readyEvent: 'connect' | 'secureConnect';

  /**
   * Starts connecting to `endpoint` and returns the socket at once. Throws a `TypeError` or
   * `RangeError` for an invalid endpoint. Subclasses may override it (and call `super`) to see or
   * adjust each socket.
   */
  protected abstract connect(endpoint: E): S;

  /**
   * Connects. Rejects with the socket's error (e.g. `ECONNREFUSED`, a TLS verification error) or,
   * once the signal aborts, with `signal.reason`; the socket is destroyed in both cases.
   */
  override async create(endpoint: E, { signal }: OperationContext): Promise<S> {
    signal.throwIfAborted();
    const socket = this.connect(endpoint);
    watchIdle(socket); // a fresh socket nobody acquired yet (prewarmed, or its acquirer left) is idle
    try {
      await whenReady(socket, this.readyEvent, signal);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return socket;
  }

  /**
   * `false` once the socket is destroyed (errored, or closed by the peer), ended, not writable, or
   * holds unread data (it arrived while the socket was idle).
   */
  override checkAliveness(_endpoint: E, socket: S): boolean {
    return (
      !socket.destroyed && socket.writable && !socket.readableEnded && socket.readableLength === 0
    );
  }

  /** Hands the socket over in a fresh socket's state: the idle listeners come off. */
  override onAcquire(_endpoint: E, socket: S): void {
    unwatchIdle(socket);
  }

  /** The socket is idle again: watched until the next `onAcquire`. */
  override onRelease(_endpoint: E, socket: S): void {
    watchIdle(socket);
  }

  /**
   * Ends the socket (FIN, after TLS close_notify) and resolves once it is closed: when the peer has
   * closed its side too. Unread data is drained so the peer's FIN is seen. When the signal aborts
   * (`disposeTimeout`, or the pool is closed) the socket is destroyed at once.
   */
  override async dispose(_endpoint: E, socket: S, { signal }: OperationContext): Promise<void> {
    unwatchIdle(socket);
    if (socket.destroyed) return;
    socket.on('error', ignoreIdleError); // a reset while closing is no news
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const destroy = () => socket.destroy();
    signal.addEventListener('abort', destroy, { once: true });
    if (signal.aborted) destroy();
    socket.resume();
    socket.end();
    await closed;
    signal.removeEventListener('abort', destroy);
  }
}
