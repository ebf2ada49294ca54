/**
 * What SIGHUP means to `npm start`. The gateway reloads its config on SIGHUP, as a daemon does; but
 * `npm start` is usually run in a terminal, and closing that terminal sends the same signal. Read as
 * a reload, it left the whole stack running with no terminal, holding its ports. The two are told
 * apart by the controlling terminal itself: after a hangup this process has none (opening /dev/tty
 * fails with ENXIO), while `kill -HUP` leaves it in place.
 */
import { closeSync, openSync } from 'node:fs';

/** Whether this process has a controlling terminal now. */
export function hasControllingTerminal(): boolean {
  try {
    closeSync(openSync('/dev/tty', 'r'));
    return true;
  } catch {
    return false;
  }
}

export interface HangupHandlerOptions {
  /** Whether the process had a terminal when it started (a stack under a supervisor never has). */
  startedOnTerminal: boolean;
  hasTerminal?: () => boolean;
  reload(): void;
  stop(): void;
}

/** The SIGHUP handler: stop when the terminal `npm start` ran in went away, reload otherwise. */
export function hangupHandler(options: HangupHandlerOptions): () => void {
  const hasTerminal = options.hasTerminal ?? hasControllingTerminal;
  return () => {
    if (options.startedOnTerminal && !hasTerminal()) options.stop();
    else options.reload();
  };
}
