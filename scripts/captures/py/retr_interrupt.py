"""FTP client that interrupts a RETR midway, one of three ways (argument 7):

  urgent  the RFC 959 way (section 4.1.3, ABOR): Telnet IP, then Telnet Synch (IAC, then DM sent
          as TCP urgent data), then ABOR. Node cannot send urgent data (no MSG_OOB).
  plain   a plain "ABOR" line, no Telnet signals.
  rst     no ABOR: the data socket is closed with SO_LINGER 0, so the kernel sends an RST.

The data socket's SO_RCVBUF is 16 KiB (Node cannot set it): the server's window stays small,
the server is still mid-file when we interrupt, and the trace stays small.
Loopback or recorder-made namespaces only. Prints one JSON object: the dialog (commands sent,
replies received) and byte counts.

  retr_interrupt.py HOST PORT USER PASSWORD PATH READ_BEFORE MODE
"""
import json
import struct
import re
import socket
import sys
import time

host, port, user, password, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
read_before_abort = int(sys.argv[6]) if len(sys.argv) > 6 else 32768
mode = sys.argv[7] if len(sys.argv) > 7 else 'urgent'

t0 = time.time()
steps = [{'t': -1, 'command': None, 'replies': []}]
ctl = socket.create_connection((host, port), source_address=('127.0.0.1', 0))
local = '%s:%d' % ctl.getsockname()[:2]
buf = b''


def reply(timeout=10.0):
    """Reads one complete (possibly multi-line) reply and records it."""
    global buf
    ctl.settimeout(timeout)
    lines = []
    code = None
    while True:
        while b'\n' not in buf:
            chunk = ctl.recv(4096)
            if not chunk:
                raise EOFError('control connection closed')
            buf += chunk
        line, buf = buf.split(b'\n', 1)
        text = line.rstrip(b'\r').decode('latin1')
        m = re.match(r'^(\d{3})([ -]?)', text)
        if code is None:
            if not m:
                continue
            code = int(m.group(1))
            lines.append(text)
            if m.group(2) != '-':
                break
        else:
            lines.append(text)
            if m and int(m.group(1)) == code and m.group(2) != '-':
                break
    r = {'code': code, 'text': '\n'.join(lines)}
    steps[-1]['replies'].append(r)
    return r


def send(cmd, raw_prefix=b''):
    steps.append({'t': int((time.time() - t0) * 1000), 'command': cmd, 'replies': []})
    ctl.sendall(raw_prefix + cmd.encode('latin1') + b'\r\n')


reply()
send('USER ' + user)
if reply()['code'] == 331:
    send('PASS ' + password)
    reply()
send('TYPE I')
reply()
send('PASV')
r = reply()
m = re.search(r'(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)', r['text'])
dhost = '.'.join(m.group(i) for i in range(1, 5))
dport = int(m.group(5)) * 256 + int(m.group(6))
data = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# a small receive buffer keeps the server's window small: it blocks mid-file, so the ABOR
# really arrives during the transfer and the trace stays small
data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
data.connect((dhost, dport))
data_local = '%s:%d' % data.getsockname()[:2]
send('RETR ' + path)
reply()  # 150
got = 0
data.settimeout(5)
while got < read_before_abort:
    chunk = data.recv(4096)
    if not chunk:
        break
    got += len(chunk)
time.sleep(0.3)  # the user hesitates; the server's window fills

codes = []
if mode == 'rst':
    # SO_LINGER on, 0 s: close() discards the send queue and sends an RST (RFC 793 abort)
    data.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    data.close()
    try:
        r = reply(8.0)  # the server's verdict on the transfer
    except Exception as e:  # noqa: BLE001
        steps[-1]['error'] = repr(e)
else:
    # RFC 959: "Telnet IP" then "Telnet Synch" (IAC DM with the urgent pointer on DM), then ABOR
    if mode == 'urgent':
        steps.append({'t': int((time.time() - t0) * 1000), 'command': '<IAC IP IAC>+<urgent DM>', 'replies': []})
        ctl.sendall(b'\xff\xf4\xff')
        ctl.send(b'\xf2', socket.MSG_OOB)
    send('ABOR')
    try:
        while True:
            r = reply(8.0)
            codes.append(r['code'])
            # 426 (transfer aborted) is followed by 226/225 (ABOR done); a lone 225/226 ends too
            if r['code'] in (225, 226) or r['code'] >= 500:
                break
    except Exception as e:  # noqa: BLE001 - report whatever ended the wait
        steps[-1]['error'] = repr(e)
    # close our end of the data connection without draining what the server still had buffered
    # (like most clients; unread data makes the kernel answer with an RST)
    data.close()
send('QUIT')
try:
    while reply(5.0)['code'] != 221:
        pass
except Exception:  # noqa: BLE001
    pass
ctl.close()
print(json.dumps({'steps': steps, 'bytesRead': got, 'controlClient': local, 'dataClient': data_local,
                  'dataServer': '%s:%d' % (dhost, dport), 'mode': mode}))
