/**
 * Issue 13, item 2: values written once in the contract and read from there, so the door, the
 * CLI, the Electron main side and the preload cannot drift apart.
 */
import { describe, expect, it, vi } from 'vitest';
import { calls } from '../../src-main/contract/calls';
import { scoreArrays } from '../../src-main/contract/columns';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../src-main/contract/ipc-channels';
import { DEFAULT_MAX_STEPS } from '../../src-main/contract/validate';
import { SCHEME_NAMES } from '../../src-main/contract/schemes';
import { ARCH_NAMES } from '../../src-main/contract/names';
import { schemeNames } from '../../src-main/core/perturb/index';
import { wireIpc } from '../../src-main/app/ipc';
import { EventBus } from '../../src-main/services/events';
import { scoreCommand } from '../../src-main/cli/commands/score';
import { reproduceCommand } from '../../src-main/cli/commands/reproduce';

describe('one max-steps default', () => {
  it('the door, the experiments door and the CLI usage all say DEFAULT_MAX_STEPS', () => {
    expect(DEFAULT_MAX_STEPS).toBe(250);
    expect(calls['scoring.start'].parse({ modelId: 'm', datasetId: 'd', split: 'test' }).maxSteps).toBe(DEFAULT_MAX_STEPS);
    expect(calls['experiments.start'].parse({ datasetId: 'd' }).maxSteps).toBe(DEFAULT_MAX_STEPS);
    expect(scoreCommand.usage).toContain(`[--max-steps ${DEFAULT_MAX_STEPS}]`);
    expect(reproduceCommand.usage).toContain(`[--max-steps ${DEFAULT_MAX_STEPS}]`);
  });
});

describe('one pair of IPC channel names', () => {
  it('the main side handles calls on CALL_CHANNEL and sends events on EVENT_CHANNEL', async () => {
    const handle = vi.fn();
    const removeHandler = vi.fn();
    const send = vi.fn();
    const events = new EventBus();
    const off = wireIpc({
      ipcMain: { handle, removeHandler } as never,
      dispatch: async () => 1,
      events,
      window: () => ({ isDestroyed: () => false, webContents: { send } }) as never,
      appUrl: () => 'file:///app/index.html',
    });
    expect(handle.mock.calls.map((c) => c[0])).toEqual([CALL_CHANNEL]);
    events.emit('models.changed', {});
    expect(send).toHaveBeenCalledWith(EVENT_CHANNEL, { event: 'models.changed', payload: {} });
    off();
    expect(removeHandler).toHaveBeenCalledWith(CALL_CHANNEL);
    // the wire names themselves (an installed app and its preload must agree)
    expect([CALL_CHANNEL, EVENT_CHANNEL]).toEqual(['rpr:call', 'rpr:event']);
  });
});

describe('scores as scoring.scores sends them', () => {
  it('converts each column to its typed array, values kept', () => {
    const a = scoreArrays({ runId: 'r', index: [0, 5], label: [3, 9], steps: [250, 0], robust: [1, 0], cleanPred: [3, 4], cleanConf: [0.5, 0.25], foolPred: [-1, 4], foolUpper: [0.01, 1] });
    expect(a.runId).toBe('r');
    expect(a.index).toEqual(Int32Array.from([0, 5]));
    expect(a.label).toEqual(Uint8Array.from([3, 9]));
    expect(a.steps).toEqual(Int32Array.from([250, 0]));
    expect(a.robust).toEqual(Uint8Array.from([1, 0]));
    expect(a.cleanPred).toEqual(Int32Array.from([3, 4]));
    expect(a.cleanConf).toEqual(Float32Array.from([0.5, 0.25]));
    expect(a.foolPred).toEqual(Int32Array.from([-1, 4]));
    expect(a.foolUpper).toEqual(Float32Array.from([0.01, 1]));
  });
});

describe('one list of scheme names', () => {
  it("the doors accept exactly the contract's SCHEME_NAMES, which are core's schemes", () => {
    expect([...SCHEME_NAMES].sort()).toEqual([...schemeNames].sort());
    for (const name of SCHEME_NAMES) {
      expect(calls['scoring.preview'].shape.scheme.safeParse({ name, params: {} }).success, name).toBe(true);
      expect(calls['experiments.start'].safeParse({ datasetId: 'd', scheme: { name, params: {} } }).success, name).toBe(true);
    }
    expect(calls['experiments.start'].safeParse({ datasetId: 'd', scheme: { name: 'nope', params: {} } }).success).toBe(false);
  });
});

describe('one list of architecture names', () => {
  it('the training and experiments doors accept exactly ARCH_NAMES', () => {
    expect([...ARCH_NAMES]).toEqual(['paper-cnn', 'classic-cnn', 'mlp']);
    for (const arch of [...ARCH_NAMES, 'resnet']) {
      const known = (ARCH_NAMES as readonly string[]).includes(arch);
      expect(calls['models.train'].safeParse({ datasetId: 'd', arch, epochs: 1, seed: 0 }).success, arch).toBe(known);
      expect(calls['experiments.start'].safeParse({ datasetId: 'd', arch }).success, arch).toBe(known);
    }
  });
});
