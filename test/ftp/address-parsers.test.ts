import { expect } from 'chai';
import {
  normalizeIpv4,
  normalizeIpv6,
  parse227,
  parse228,
  parse229,
  parseEprt,
  parseLprt,
  parsePort,
} from '../../src/ftp/address-parsers.ts';

describe('ftp/address-parsers', () => {
  describe('parsePort', () => {
    it('reads h1..h4,p1,p2', () => {
      expect(parsePort('192,168,1,2,7,138')).to.deep.equal({ family: 4, addr: '192.168.1.2', port: 7 * 256 + 138 });
    });
    it('tolerates spaces around the numbers', () => {
      expect(parsePort(' 10, 0, 0, 1, 0, 21 ')).to.deep.equal({ family: 4, addr: '10.0.0.1', port: 21 });
    });
    it('rejects values above 255 (too large)', () => {
      expect(parsePort('192,168,1,256,7,138')).to.equal(null);
      expect(parsePort('192,168,1,2,7,1380')).to.equal(null);
    });
    it('rejects malformed arguments', () => {
      expect(parsePort('1234')).to.equal(null); //                 suricata ftp-mode-02
      expect(parsePort('114,115')).to.equal(null); //              zeek fake-long-commands
      expect(parsePort('1,2,3,4,5')).to.equal(null);
      expect(parsePort('1,2,3,4,5,6,7')).to.equal(null);
      expect(parsePort('a,b,c,d,e,f')).to.equal(null);
      expect(parsePort('1,2,3,4,,6')).to.equal(null);
      expect(parsePort('-1,2,3,4,5,6')).to.equal(null);
      expect(parsePort('1234123412341234123412341234123412341234123412341234123412341234')).to.equal(null);
    });
    it('rejects port 0', () => {
      expect(parsePort('1,2,3,4,0,0')).to.equal(null);
    });
  });

  describe('parse227', () => {
    it('finds the six numbers in the usual text', () => {
      expect(parse227('Entering Passive Mode (192,168,1,2,19,137).')).to.deep.equal({ family: 4, addr: '192.168.1.2', port: 19 * 256 + 137 });
    });
    it('finds them anywhere, without parentheses, as clients do', () => {
      expect(parse227('=10,1,2,3,4,5')).to.deep.equal({ family: 4, addr: '10.1.2.3', port: 1029 });
      expect(parse227('Entering Passive Mode 10,1,2,3,4,5 ok')).to.deep.equal({ family: 4, addr: '10.1.2.3', port: 1029 });
    });
    it('rejects texts without six numbers or with out-of-range ones', () => {
      expect(parse227('Entering Passive Mode')).to.equal(null);
      expect(parse227('AAAAAAAAAAAA')).to.equal(null); //          suricata ftp-too-long-response
      expect(parse227('Response to PASV command')).to.equal(null); // zeek fake server
      expect(parse227('(300,1,1,1,1,1)')).to.equal(null);
    });
  });

  describe('parseEprt', () => {
    it('reads IPv4 (|1|)', () => {
      expect(parseEprt('|1|132.235.1.2|6275|')).to.deep.equal({ family: 4, addr: '132.235.1.2', port: 6275 });
    });
    it('reads IPv6 (|2|) and normalizes the address as RFC 5952', () => {
      expect(parseEprt('|2|1080::8:800:200C:417A|5282|')).to.deep.equal({ family: 6, addr: '1080::8:800:200c:417a', port: 5282 });
      expect(parseEprt('|2|2001:0db8:0000:0000:0000:0000:0000:0001|1025|')).to.deep.equal({ family: 6, addr: '2001:db8::1', port: 1025 });
    });
    it('accepts any delimiter in ASCII 33-126', () => {
      expect(parseEprt('!1!10.0.0.1!2000!')).to.deep.equal({ family: 4, addr: '10.0.0.1', port: 2000 });
    });
    it('rejects malformed and out-of-range arguments', () => {
      expect(parseEprt('|3|10.0.0.1|2000|')).to.equal(null);
      expect(parseEprt('|1|10.0.0.1|70000|')).to.equal(null);
      expect(parseEprt('|1|10.0.0.1|0|')).to.equal(null);
      expect(parseEprt('|1|10.0.0|2000|')).to.equal(null);
      expect(parseEprt('|1|10.0.0.1|2000')).to.equal(null);
      expect(parseEprt('|2|1::2::3|2000|')).to.equal(null);
      expect(parseEprt('|2|12345::1|2000|')).to.equal(null);
      expect(parseEprt('')).to.equal(null);
      expect(parseEprt(`|1|${'1'.repeat(200)}|1|`)).to.equal(null);
    });
  });

  describe('parse229', () => {
    it('reads the port between (|||port|)', () => {
      expect(parse229('Entering Extended Passive Mode (|||6446|)')).to.deep.equal({ family: 4, addr: null, port: 6446 });
    });
    it('accepts another delimiter', () => {
      expect(parse229('Entering Extended Passive Mode (!!!6446!)')).to.deep.equal({ family: 4, addr: null, port: 6446 });
    });
    it('rejects malformed and out-of-range texts', () => {
      expect(parse229('Entering Extended Passive Mode')).to.equal(null);
      expect(parse229('(|||99999|)')).to.equal(null);
      expect(parse229('(|||abc|)')).to.equal(null);
      expect(parse229('(||6446|)')).to.equal(null);
    });
  });

  describe('parseLprt / parse228', () => {
    it('reads an IPv4 LPRT', () => {
      expect(parseLprt('4,4,132,235,1,2,2,24,131')).to.deep.equal({ family: 4, addr: '132.235.1.2', port: 24 * 256 + 131 });
    });
    it('reads an IPv6 LPRT', () => {
      const addr = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
      expect(parseLprt(`6,16,${addr.join(',')},2,4,1`)).to.deep.equal({ family: 6, addr: '2001:db8::1', port: 1025 });
    });
    it('reads a 228 reply', () => {
      expect(parse228('Entering Long Passive Mode (4,4,132,235,1,2,2,24,131)')).to.deep.equal({ family: 4, addr: '132.235.1.2', port: 6275 });
    });
    it('rejects malformed and out-of-range lists', () => {
      expect(parseLprt('4,4,132,235,1,2,2,24')).to.equal(null);
      expect(parseLprt('4,16,132,235,1,2,2,24,131')).to.equal(null);
      expect(parseLprt('4,4,132,235,1,2,3,1,24,131')).to.equal(null);
      expect(parseLprt('4,4,132,235,1,999,2,24,131')).to.equal(null);
      expect(parse228('Entering Long Passive Mode')).to.equal(null);
    });
  });

  describe('address normalizers', () => {
    it('normalizes IPv4 text', () => {
      expect(normalizeIpv4('010.000.000.001')).to.equal('10.0.0.1');
      expect(normalizeIpv4('1.2.3')).to.equal(null);
      expect(normalizeIpv4('1.2.3.256')).to.equal(null);
    });
    it('normalizes IPv6 text, embedded IPv4 and zones included', () => {
      expect(normalizeIpv6('::ffff:192.0.2.1')).to.equal('::ffff:c000:201');
      expect(normalizeIpv6('fe80::1%eth0')).to.equal('fe80::1');
      expect(normalizeIpv6('1:2:3:4:5:6:7:8')).to.equal('1:2:3:4:5:6:7:8');
      expect(normalizeIpv6('1:0:0:2:0:0:0:3')).to.equal('1:0:0:2::3');
      expect(normalizeIpv6('::')).to.equal('::');
      expect(normalizeIpv6('1:2:3:4:5:6:7')).to.equal(null);
      expect(normalizeIpv6('1:2:3:4:5:6:7:8:9')).to.equal(null);
      expect(normalizeIpv6('g::1')).to.equal(null);
    });
  });
});
