/**
 * Whether this machine can isolate untrusted code (Linux namespaces through util-linux's `unshare`,
 * `setpriv` and `prlimit`). Tests of the sandbox skip, with a visible message, where it cannot: a
 * laptop without user namespaces, or a locked-down container.
 */
import { OversightError } from '@oversight/core';
import { Sandbox } from '../../packages/filters/src/verify/code/sandbox.js';

async function probe(): Promise<boolean> {
  try {
    await Sandbox.open('auto');
    return true;
  } catch (error) {
    if (!OversightError.is(error) || error.code !== 'sandbox/unavailable') throw error;
    console.warn(`[skipped] sandboxed code tests: ${error.message}`);
    return false;
  }
}

export const sandboxAvailable = await probe();
