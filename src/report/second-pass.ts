// The outputs that need the capture's bytes again, written in one more pass over the file after
// the analysis: the annotated copy (every record, with the findings as comments) and the rebuilt
// transfers (the data connections' payload). The analysis itself streams and keeps no packet:
// by the time a finding or a transfer's facts are final, the frames they are about are long
// gone, and a finding may cite the capture's first frame from its last. Reading the file again
// costs a read at the reader's speed; keeping payload through the first pass would cost memory
// or temporary files the size of every data connection, most of which nobody asked for.

import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { CaptureError, type Frame } from '../capture/frame.ts';
import { BufferedFileSink, PcapngAnnotator, type AnnotateStats, type CommentSource } from '../capture/pcapng-annotate.ts';
import { readCaptures } from '../capture/merge.ts';
import type { DecoderOptions } from '../decode/decoder.ts';
import type { TransferExtractor } from './extract/extractor.ts';
import { outputWriteError } from './output-error.ts';
import { ConnectionReplay } from './packet-replay.ts';

export interface SecondPassTargets {
  annotate?: { out: string; comments: CommentSource; sectionComments: readonly string[] };
  extract?: TransferExtractor;
  decode?: DecoderOptions; // the decoder settings of the analysis (-d), for the same view of the frames
}

export interface SecondPassResult {
  error: CaptureError | null; // the capture could not be read past some point (the analysis said so too)
  annotated: AnnotateStats | null;
}

class StopReading extends Error {}

/** Reads `path` once for every target. An annotated capture is written to a temporary file
 *  beside `out` and renamed when complete, so a failed run never leaves half a capture under
 *  the name asked for. Throws OutputWriteError when a file cannot be written. */
export async function secondPass(path: string | readonly string[], targets: SecondPassTargets): Promise<SecondPassResult> {
  const extractor = targets.extract ?? null;
  const replay = extractor ? new ConnectionReplay([extractor], targets.decode) : null;
  const a = targets.annotate ?? null;
  let annotator: PcapngAnnotator | null = null;
  let fd: number | null = null;
  let sink: BufferedFileSink | null = null;
  const temp = a ? `${a.out}.ftpdiag-${process.pid}.part` : '';
  if (a) {
    try {
      fd = openSync(temp, 'wx');
    } catch (e) {
      throw outputWriteError(a.out, e, 0);
    }
    const out = fd;
    const file = a.out;
    sink = new BufferedFileSink((chunk) => {
      let done = 0;
      try {
        while (done < chunk.length) done += writeSync(out, chunk, done, chunk.length - done);
      } catch (e) {
        throw outputWriteError(file, e, sink!.written + done);
      }
    });
    annotator = new PcapngAnnotator(sink.sink, a.comments, a.sectionComments);
  }
  const onFrame = (f: Frame) => {
    if (replay) {
      if (annotator === null && f.number > replay.lastFrame) throw new StopReading();
      replay.frame(f);
      extractor!.advance(f.number + 1);
    }
  };
  const result: SecondPassResult = { error: null, annotated: null };
  try {
    try {
      if (annotator || (replay && !replay.empty)) {
        await readCaptures(path, onFrame, annotator ? { onRecord: (rec, n) => annotator.record(rec, n) } : {});
      }
    } catch (e) {
      if (e instanceof CaptureError) result.error = e;
      else if (!(e instanceof StopReading)) throw e;
    }
    if (a && sink && fd !== null) {
      sink.flush();
      try {
        closeSync(fd);
        fd = null;
        renameSync(temp, a.out);
      } catch (e) {
        throw outputWriteError(a.out, e, sink.written);
      }
      result.annotated = annotator!.stats;
    }
  } catch (e) {
    extractor?.abandon();
    throw e;
  } finally {
    if (fd !== null) closeSync(fd);
    if (a) rmSync(temp, { force: true });
  }
  return result;
}
