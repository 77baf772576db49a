import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Harness, family, plannedSockets, runParameters, selected, settings, socketName, survey } from './harness.ts';
import { SocketFuzzer, framesArb, type FramePlan } from './socket.ts';

/**
 * Issue 11, item 2, over the WebSocket of every mounted profile (see socket.ts): malformed,
 * unknown, mutated, out-of-order, binary and protocol-breaking frames, one to three per run;
 * each refusal an error frame in the profile's shape, the connection kept, nothing changed.
 */

describe('fuzz: the WebSocket of every mounted profile', () => {
  let h: Harness;
  const fuzzers = new Map<string, SocketFuzzer>();
  before(async () => {
    h = await Harness.start();
    for (const t of h.sockets()) fuzzers.set(socketName(t.profile, t.mount), new SocketFuzzer(h, t));
  });
  after(async () => {
    for (const f of fuzzers.values()) await f.close();
    await h?.close();
    if (settings.survey && survey.size > 0) console.log(`fuzz survey (sockets), seed ${settings.seed}, ${settings.wsRuns} runs per socket:\n${survey.report()}`);
  });

  for (const name of plannedSockets().filter(selected)) {
    it(name, async () => {
      const f = fuzzers.get(name);
      if (!f) throw new Error(`${name} is not mounted`);
      const property = fc.asyncProperty(framesArb(f.facts, f.serverTypes, f.maxFrame), async (frames: FramePlan[]) => {
        const sent: string[] = [];
        for (const frame of frames) {
          const { violations, shown } = await f.exchange(frame);
          sent.push(shown);
          if (violations.length === 0) continue;
          if (!settings.survey) {
            throw new Error(`${violations.map((v) => `${v.kind}: ${v.detail}`).join('\n')}\n--- frames sent:\n${sent.join('\n')}\n--- replay: FUZZ_SEED=${settings.seed} npm run fuzz -- --only '${name}'`);
          }
          for (const v of violations) survey.add(`${v.kind} ${family(frame.label)}`, name, `${sent.join('\n')}\n→ ${v.detail}`);
        }
      });
      await fc.assert(property, runParameters(name, settings.wsRuns));
      survey.settle(name);
    });
  }
});
