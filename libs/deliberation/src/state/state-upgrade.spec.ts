import { DomainError } from '@app/config';
import { STATE_SCHEMA_VERSION } from './engine-state';
import { upgradeState } from './state-upgrade';

const stored = {
  id: 'd-1',
  request: { question: 'Q?', participants: [], mode: 'conference', maxRounds: 3 },
  rounds: [],
  partial: [],
  runtime: { failureStreaks: {}, warned: [], activeMs: 5 },
};

describe(upgradeState.name, () => {
  it('should keep the ballot of a checkpoint that has one', () => {
    const ballot = { scheme: 'letters', entries: [{ label: 'A', option: 'Approve', round: 1, variants: [{ option: 'Approve', votes: 2 }] }] };
    const sut = upgradeState(STATE_SCHEMA_VERSION, { ...stored, ballot });
    expect(sut.ballot).toEqual(ballot);
  });

  it('should load a checkpoint from before the ballot without one (the engine replays its rounds)', () => {
    const sut = upgradeState(1, stored);
    expect(sut).not.toHaveProperty('ballot');
    expect(sut.runtime.activeMs).toBe(5);
  });

  it('should refuse a version this release does not know', () => {
    expect(() => upgradeState(STATE_SCHEMA_VERSION + 1, stored)).toThrow(DomainError);
  });
});
