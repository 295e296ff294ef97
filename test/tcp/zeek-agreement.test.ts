// conn_state, history and byte counts against Zeek's own published results for corpus traces:
// the expected rows below are copied from the conn.log baselines in the zeek/zeek repository
// (testing/btest/Baseline/scripts.base.protocols.ftp.{ftp-ipv4,ftp-ipv6,ftp-auth-tls}/conn.log),
// an independent implementation's answer for the same packets.

import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../src/capture/read.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/public/', import.meta.url));

/** Zeek conn.log rows: originator port, responder port, conn_state, history, orig/resp bytes. */
export const ZEEK_BASELINES: Record<string, Array<[number, number, string, string, number, number]>> = {
  'zeek/ipv4.pcap': [
    [37604, 56666, 'SF', 'ShAdfFa', 0, 342],
    [59378, 56667, 'SF', 'ShAdfFa', 0, 77],
    [61920, 33582, 'SF', 'ShADaFf', 342, 0],
    [61918, 37835, 'SF', 'ShADaFf', 77, 0],
    [50003, 21, 'SF', 'ShAdDfFa', 180, 3146],
  ],
  'zeek/ipv6.pcap': [
    [49186, 57086, 'SF', 'ShAdfFa', 0, 342],
    [49187, 57087, 'SF', 'ShAdfFa', 0, 43],
    [49188, 57088, 'SF', 'ShAdfFa', 0, 77],
    [55785, 49189, 'SF', 'ShADFaf', 77, 0],
    [49185, 21, 'SF', 'ShAdDfFa', 310, 3448],
    [55647, 49190, 'SF', 'ShADFaf', 342, 0],
  ],
  'zeek/ftp-auth-tls.pcap': [[40284, 21, 'RSTR', 'ShAdDafr', 1133, 3314]],
};

describe('tcp/zeek-agreement: conn_state and history as in Zeek\'s baselines', () => {
  for (const [trace, rows] of Object.entries(ZEEK_BASELINES)) {
    it(trace, async function () {
      if (!existsSync(CORPUS + trace)) this.skip();
      const decoder = new PacketDecoder();
      const engine = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd() {} });
      await readCapture(CORPUS + trace, (frame) => {
        if (decoder.decode(frame) === 'tcp') engine.packet(decoder.packet);
      });
      engine.finish();
      const ours = engine.connections.map((c) => [c.client.port, c.server.port, c.connState, c.history, c.client.bytesSent, c.server.bytesSent]);
      expect(ours).to.have.deep.members(rows);
    });
  }
});
