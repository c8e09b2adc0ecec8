import type { ChildProcess } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Teardown for tests that point an outbox at a named pipe: a non-blocking open by this process
 * releases any writer still waiting on a FIFO in `dir` (so no thread-pool thread stays parked),
 * the reader (which may now wait for a writer that never comes) is stopped, and `dir` goes.
 */
export async function releaseFifosAndRemove(dir: string, reader: ChildProcess | undefined): Promise<void> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (lstatSync(path).isFIFO()) closeSync(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  }
  if (reader && reader.exitCode === null && reader.signalCode === null) {
    const exited = new Promise((resolve) => reader.once('exit', resolve));
    reader.kill('SIGKILL');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
