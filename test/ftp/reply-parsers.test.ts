import { expect } from 'chai';
import { parse150Size, parse213Size, parse257 } from '../../src/ftp/reply-parsers.ts';
import { listingOperand, normalizePath, parentPath, resolvePath } from '../../src/ftp/paths.ts';

describe('ftp/reply-parsers', () => {
  describe('parse150Size', () => {
    it('reads "(N bytes)"', () => {
      expect(parse150Size('Opening BINARY mode data connection for 1MB.zip (1048576 bytes).')).to.equal(1048576);
      expect(parse150Size('Opening data channel for file download of "/f" (12 Bytes)')).to.equal(12);
      expect(parse150Size('Opening BINARY mode data connection for x (1 byte).')).to.equal(1);
    });
    it('returns null when no size is announced', () => {
      expect(parse150Size('Ok to send data.')).to.equal(null);
      expect(parse150Size('Data connection already open; transfer starting.')).to.equal(null);
      expect(parse150Size('Opening (bytes)')).to.equal(null);
    });
    it('rejects sizes too large to be exact', () => {
      expect(parse150Size('x (12345678901234567890 bytes)')).to.equal(null);
    });
  });

  describe('parse213Size', () => {
    it('reads a bare decimal', () => {
      expect(parse213Size('1048576')).to.equal(1048576);
      expect(parse213Size(' 42 ')).to.equal(42);
    });
    it('rejects anything that is not a bare decimal', () => {
      expect(parse213Size('File status okay')).to.equal(null);
      expect(parse213Size('')).to.equal(null);
      expect(parse213Size('12 bytes')).to.equal(null);
      expect(parse213Size('9'.repeat(20))).to.equal(null);
    });
  });

  describe('parse257', () => {
    it('reads the quoted directory', () => {
      expect(parse257('"/usr/dm" created.')).to.equal('/usr/dm');
      expect(parse257('"/" is current directory.')).to.equal('/');
    });
    it('undoubles embedded quotes', () => {
      expect(parse257('"/a ""quoted"" dir" is current directory.')).to.equal('/a "quoted" dir');
    });
    it('accepts an unquoted absolute path (old servers)', () => {
      expect(parse257('/home/ftp is current directory')).to.equal('/home/ftp');
    });
    it('returns null for malformed texts', () => {
      expect(parse257('"/no/closing/quote')).to.equal(null);
      expect(parse257('MKD command successful')).to.equal(null);
    });
  });
});

describe('ftp/paths', () => {
  it('normalizes absolute paths', () => {
    expect(normalizePath('/a//b/./c/../d/')).to.equal('/a/b/d');
    expect(normalizePath('/../..')).to.equal('/');
  });
  it('resolves against the working directory', () => {
    expect(resolvePath('/pub', 'file.txt')).to.equal('/pub/file.txt');
    expect(resolvePath('/pub', '../etc/x')).to.equal('/etc/x');
    expect(resolvePath(null, '/abs')).to.equal('/abs');
    expect(resolvePath(null, 'rel')).to.equal(null);
    expect(resolvePath('/pub', '')).to.equal('/pub');
  });
  it('leaves non-Unix working directories unnormalized', () => {
    expect(resolvePath('C:\\ftp', 'x')).to.equal('C:\\ftp/x');
  });
  it('goes up one level', () => {
    expect(parentPath('/a/b')).to.equal('/a');
    expect(parentPath('/')).to.equal('/');
    expect(parentPath(null)).to.equal(null);
  });
  it('strips ls options from listing arguments', () => {
    expect(listingOperand('-la /pub')).to.equal('/pub');
    expect(listingOperand('-a')).to.equal('');
    expect(listingOperand('dir')).to.equal('dir');
  });
});
