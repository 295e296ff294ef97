"""pyftpdlib server for the capture recorder (loopback or a recorder-made namespace only).

Anonymous login with full write permission into --root; optional named user for 530 tests,
connection limits (421), a masquerade address for PASV replies, and a log of pyftpdlib's own
transfer lines (its view of each RETR/STOR: completed=0/1, bytes) for the truth files.
"""
import argparse
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
import pyftpdlib


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--host', required=True)
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--root', required=True)
    ap.add_argument('--pasv', default=None, help='MIN-MAX passive ports')
    ap.add_argument('--max-cons', type=int, default=0)
    ap.add_argument('--max-cons-per-ip', type=int, default=0)
    ap.add_argument('--masquerade', default=None)
    ap.add_argument('--user', default=None, help='NAME:PASSWORD of a second, named user')
    ap.add_argument('--log', required=True)
    a = ap.parse_args()

    logging.basicConfig(filename=a.log, level=logging.INFO, format='%(message)s')
    auth = DummyAuthorizer()
    auth.add_anonymous(a.root, perm='elradfmwMT')
    if a.user:
        name, pw = a.user.split(':', 1)
        auth.add_user(name, pw, a.root, perm='elradfmwMT')

    class Handler(FTPHandler):
        banner = 'ftpdiag capture pyftpdlib %s' % pyftpdlib.__ver__

    Handler.authorizer = auth
    if a.pasv:
        lo, hi = (int(x) for x in a.pasv.split('-'))
        Handler.passive_ports = range(lo, hi + 1)
    if a.masquerade:
        Handler.masquerade_address = a.masquerade
    server = FTPServer((a.host, a.port), Handler)
    server.max_cons = a.max_cons
    server.max_cons_per_ip = a.max_cons_per_ip
    sys.stdout.write('READY pyftpdlib %s\n' % pyftpdlib.__ver__)
    sys.stdout.flush()
    server.serve_forever(handle_exit=True)


if __name__ == '__main__':
    main()
