// Runs one saved input through every oracle, in process, collecting what breaks: to reproduce a
// finding (scripts/fuzz.ts --replay) and to check a fix.
import { PacketDecoder } from '../../../src/decode/decoder.ts';
import type { Target } from './campaign.ts';
import { checkPipeline } from './pipeline.ts';
import { checkDecode, checkReaderOutcome, expectSameOutcome, Finding, readPumped, readPushed, readStream } from './oracles.ts';

export interface ReplayResult {
  findings: Array<{ path: string; finding: Finding }>;
  frames: number; //                    frames the reader delivered (plain push)
  ending: string; //                    'ok', 'truncated' or the CaptureError code and reason
  outcomes: Record<string, number>; //  decoder outcomes
}

export async function replayInput(input: Buffer, target: Target): Promise<ReplayResult> {
  const findings: ReplayResult['findings'] = [];
  const attempt = async (path: string, fn: () => unknown) => {
    try {
      await fn();
    } catch (e) {
      findings.push({ path, finding: e instanceof Finding ? e : new Finding('crash', String(e), (e as Error)?.stack ?? '') });
    }
  };
  const whole = readPushed(input);
  await attempt('push', () => checkReaderOutcome(input, whole));
  const ending = whole.error ? `${whole.error.code} at offset ${whole.error.offset}: ${whole.error.reason}` : whole.summary!.truncated ? 'truncated' : 'ok';
  if (target !== 'decoder' && target !== 'pipeline') {
    // every single split of a small input, a few of a big one
    const step = Math.max(1, Math.floor(input.length / 500));
    for (let k = 1; k < input.length; k += step) {
      await attempt(`push cut at ${k}`, () => {
        const o = readPushed(input, [k]);
        checkReaderOutcome(input, o);
        expectSameOutcome(whole, o, `cut at ${k}`);
      });
    }
    for (const sizes of [[1], [7], [4096], [1 << 20], [3, 65536]]) {
      await attempt(`file pump, reads of ${sizes.join('/')}`, async () => {
        const o = await readPumped(input, sizes);
        checkReaderOutcome(input, o);
        expectSameOutcome(whole, o, 'file pump');
      });
    }
    await attempt('stream', async () => {
      const o = await readStream([input]);
      checkReaderOutcome(input, o);
      expectSameOutcome(whole, o, 'stream');
    });
  }
  const outcomes: Record<string, number> = {};
  if (target === 'pipeline') {
    // the saved pcap holds the mutant frames; limits drawn for the case are in the finding's .txt
    await attempt('pipeline', () => {
      const out = checkPipeline(whole.frames);
      outcomes[`pipeline:${out}`] = 1;
    });
    return { findings, frames: whole.frames.length, ending, outcomes };
  }
  if (target !== 'reader') {
    const d = new PacketDecoder();
    for (const f of whole.frames) {
      await attempt(`decode frame ${f.number}`, () => {
        const out = checkDecode(d, f);
        outcomes[out] = (outcomes[out] ?? 0) + 1;
      });
    }
  }
  return { findings, frames: whole.frames.length, ending, outcomes };
}
