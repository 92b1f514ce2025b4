"""test_tls.py — HTTPS through tls.so ([tls:NAME], tls = NAME), driven by
curl, openssl s_client, Python's ssl and xmlrpc.client and raw sockets.

A throwaway CA signs the server's certificate (and an expired one, one for
another host name, a client certificate); a second CA signs a client
certificate the server must refuse.  One daemon serves: the control server
over TLS with Basic auth, a plain public server beside it, and public TLS
servers with the expired and the wrong-host certificates and with mutual
TLS.  Others check that bad [tls:NAME] config stops the daemon with a
clear error, that a daemon without [tls:NAME] maps no libssl, and that
plugin.reload tls serves a renewed certificate.
"""

import ftplib
import io
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sthtest  # noqa: E402
from sthtest import free_port  # noqa: E402

BUILDDIR = os.environ.get("STHENO_BUILDDIR", sthtest.SRCDIR)
STHENOCTL = os.path.join(BUILDDIR, "plugins", "monitor", "sthenoctl")
USER = "alice"
PASS = "tls-pass"
HEADER_TIMEOUT = 2


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d, name):
    key, pem = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
            "-out", pem, "-days", "2", "-subj", "/CN=" + name)
    return key, pem


def make_cert(d, name, ca, cn, days="2", san=None):
    """A key and a certificate for cn signed by ca (key, pem)."""
    key, pem = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    csr, ext = os.path.join(d, name + ".csr"), os.path.join(d, name + ".ext")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
            csr, "-subj", "/CN=" + cn)
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\n" % (san or "DNS:" + cn))
    openssl("x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0],
            "-CAcreateserial", "-out", pem, "-days", days, "-extfile", ext)
    return key, pem


def curl(*args):
    """(exit code, body, stderr) of curl -s."""
    p = subprocess.run(["curl", "-s", "-S", "--max-time", "10"] +
                       list(args), capture_output=True, timeout=20)
    return p.returncode, p.stdout, p.stderr.decode("latin-1", "replace")


def tls_section(name, cert, **kw):
    lines = ["[tls:%s]" % name, "cert=%s" % cert[1], "key=%s" % cert[0]]
    lines += ["%s=%s" % kv for kv in kw.items()]
    return "\n".join(lines) + "\n"


def maps_libssl(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "libssl.so" in f.read()


class TlsCerts:
    """The certificates every class uses, made once."""
    dir = None

    @classmethod
    def make(cls):
        if cls.dir is not None:
            return
        if shutil.which("openssl") is None or shutil.which("curl") is None:
            raise unittest.SkipTest("openssl and curl needed")
        cls.dir = tempfile.mkdtemp(prefix="sth-tls-")
        d = cls.dir
        cls.ca = make_ca(d, "ca")
        cls.other_ca = make_ca(d, "otherca")
        cls.server = make_cert(d, "server", cls.ca, "localhost",
                               san="DNS:localhost,IP:127.0.0.1")
        cls.renewed = make_cert(d, "renewed", cls.ca, "localhost",
                                san="DNS:localhost,IP:127.0.0.1")
        cls.expired = make_cert(d, "expired", cls.ca, "localhost",
                                days="-1", san="DNS:localhost")
        cls.wronghost = make_cert(d, "wronghost", cls.ca, "wrong.example")
        cls.client = make_cert(d, "client", cls.ca, "client")
        cls.bad_client = make_cert(d, "badclient", cls.other_ca, "client")

    @classmethod
    def remove(cls):
        if cls.dir is not None:
            shutil.rmtree(cls.dir, ignore_errors=True)
            cls.dir = None


class TestHttps(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        TlsCerts.make()
        c = TlsCerts
        cls.port = free_port()
        cls.plain = free_port()
        cls.exp = free_port()
        cls.wrong = free_port()
        cls.mtls = free_port()
        extra = (
            "[plugin:http]\nping=true\n"
            "[inet_http_server]\nport=127.0.0.1:%d\nusername=%s\n"
            "password=%s\ntls=main\nheader_timeout=%d\n"
            "[http_server:plain]\nlisten=127.0.0.1:%d\n"
            "[http_server:exp]\nlisten=127.0.0.1:%d\ntls=exp\n"
            "[http_server:wrong]\nlisten=127.0.0.1:%d\ntls=wrong\n"
            "[http_server:mtls]\nlisten=127.0.0.1:%d\ntls=mutual\n"
            % (cls.port, USER, PASS, HEADER_TIMEOUT, cls.plain, cls.exp,
               cls.wrong, cls.mtls) +
            tls_section("main", c.server) +
            tls_section("exp", c.expired) +
            tls_section("wrong", c.wronghost) +
            tls_section("mutual", c.server, client_ca=c.ca[1]))
        cls.d = sthtest.Sthenod(extra=extra)
        cls.d.start_or_cleanup()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def url(self, port=None, path="/stheno/ping", host="localhost"):
        return "https://%s:%d%s" % (host, port or self.port, path)

    def assert_serving(self):
        rc, body, err = curl("--cacert", TlsCerts.ca[1], "-u",
                             "%s:%s" % (USER, PASS), self.url())
        self.assertEqual((rc, body), (0, b"pong\n"), err)

    def test_curl_with_ca(self):
        rc, body, err = curl("-v", "--cacert", TlsCerts.ca[1], "-u",
                             "%s:%s" % (USER, PASS), self.url())
        self.assertEqual((rc, body), (0, b"pong\n"), err)
        self.assertRegex(err, r"ALPN.*accepted.*http/1\.1")
        self.assertRegex(err, r"TLSv1\.3")

    def test_curl_without_ca_fails_verification(self):
        rc, body, err = curl(self.url())
        self.assertEqual(rc, 60, err)   # peer certificate not verified
        self.assertEqual(body, b"")

    def test_expired_certificate_refused(self):
        rc, _, err = curl("--cacert", TlsCerts.ca[1], self.url(self.exp))
        self.assertEqual(rc, 60, err)
        self.assertIn("expired", err)

    def test_wrong_host_refused(self):
        rc, _, err = curl("--cacert", TlsCerts.ca[1], self.url(self.wrong))
        self.assertIn(rc, (51, 60), err)
        self.assertRegex(err, r"(?i)subject|name")

    def test_basic_auth_over_tls(self):
        rc, body, err = curl("--cacert", TlsCerts.ca[1], "-o", "/dev/null",
                             "-w", "%{http_code}", "-u", USER + ":nope",
                             self.url())
        self.assertEqual((rc, body), (0, b"401"), err)

    def test_plain_server_beside(self):
        rc, body, err = curl("http://127.0.0.1:%d/stheno/ping" % self.plain)
        self.assertEqual((rc, body), (0, b"pong\n"), err)
        rc, _, err = curl("--cacert", TlsCerts.ca[1],
                          self.url(self.plain))
        self.assertNotEqual(rc, 0)

    def test_keep_alive_requests(self):
        ctx = ssl.create_default_context(cafile=TlsCerts.ca[1])
        import http.client
        import base64
        k = http.client.HTTPSConnection("localhost", self.port, timeout=10,
                                        context=ctx)
        self.addCleanup(k.close)
        auth = base64.b64encode(("%s:%s" % (USER, PASS)).encode()).decode()
        for _ in range(20):
            k.request("GET", "/stheno/ping",
                      headers={"Authorization": "Basic " + auth})
            r = k.getresponse()
            self.assertEqual((r.status, r.read()), (200, b"pong\n"))
        self.assertEqual(k.sock.version(), "TLSv1.3")

    def test_tls10_and_tls11_refused(self):
        for flag in ("-tls1", "-tls1_1"):
            p = subprocess.run(["openssl", "s_client", "-connect",
                                "127.0.0.1:%d" % self.port, flag,
                                "-cipher", "DEFAULT@SECLEVEL=0"],
                               stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=20)
            out = (p.stdout + p.stderr).decode("latin-1")
            self.assertNotEqual(p.returncode, 0, out)
            self.assertIn("protocol version", out)
        self.assert_serving()

    def test_tls12_accepted(self):
        rc, body, err = curl("--tlsv1.2", "--tls-max", "1.2", "--cacert",
                             TlsCerts.ca[1], "-u", "%s:%s" % (USER, PASS),
                             self.url())
        self.assertEqual((rc, body), (0, b"pong\n"), err)

    def test_plaintext_on_tls_port_dropped(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(b"GET /stheno/ping HTTP/1.1\r\nHost: localhost\r\n\r\n")
        got = b""
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                got += b
        except ConnectionResetError:
            pass
        self.assertNotIn(b"HTTP/1.1", got)
        self.assertNotIn(b"pong", got)
        self.assert_serving()

    def test_stalled_handshake_dropped(self):
        # a ClientHello record header and nothing more
        s = socket.create_connection(("127.0.0.1", self.port), timeout=20)
        self.addCleanup(s.close)
        t0 = time.monotonic()
        s.sendall(b"\x16\x03\x01\x02\x00\x01")
        try:
            rest = s.recv(4096)
        except ConnectionResetError:
            rest = b""
        took = time.monotonic() - t0
        self.assertEqual(rest, b"")
        self.assertGreater(took, HEADER_TIMEOUT * 0.5)
        self.assertLess(took, HEADER_TIMEOUT + 8)
        self.assert_serving()

    def test_xmlrpc_get_state(self):
        ctx = ssl.create_default_context(cafile=TlsCerts.ca[1])
        proxy = xmlrpc.client.ServerProxy(
            "https://%s:%s@localhost:%d/RPC2" % (USER, PASS, self.port),
            context=ctx)
        self.assertEqual(proxy.supervisor.getState()["statename"],
                         "RUNNING")

    def test_xmlrpc_answer_longer_than_a_record(self):
        """An answer of ~60 KB (several TLS records, head and body
        queued as one) arrives whole and parses."""
        ctx = ssl.create_default_context(cafile=TlsCerts.ca[1])
        proxy = xmlrpc.client.ServerProxy(
            "https://%s:%s@localhost:%d/RPC2" % (USER, PASS, self.port),
            context=ctx)
        calls = [{"methodName": "supervisor.getState", "params": []}] * 300
        got = proxy.system.multicall(calls)
        self.assertEqual(len(got), 300)
        self.assertTrue(all(r == {"statecode": 1, "statename": "RUNNING"}
                            for r in got), got[:3])

    def test_xmlrpc_refuses_unknown_ca(self):
        ctx = ssl.create_default_context(cafile=TlsCerts.other_ca[1])
        proxy = xmlrpc.client.ServerProxy(
            "https://%s:%s@localhost:%d/RPC2" % (USER, PASS, self.port),
            context=ctx)
        with self.assertRaises(ssl.SSLCertVerificationError):
            proxy.supervisor.getState()

    def test_mutual_tls(self):
        c = TlsCerts
        rc, body, err = curl("--cacert", c.ca[1], "--cert", c.client[1],
                             "--key", c.client[0], self.url(self.mtls))
        self.assertEqual((rc, body), (0, b"pong\n"), err)
        rc, body, err = curl("--cacert", c.ca[1], "--cert",
                             c.bad_client[1], "--key", c.bad_client[0],
                             self.url(self.mtls))
        self.assertNotEqual(rc, 0, err)
        self.assertEqual(body, b"")
        rc, body, err = curl("--cacert", c.ca[1], self.url(self.mtls))
        self.assertNotEqual(rc, 0, err)
        self.assertEqual(body, b"")

    def sthenoctl(self, *args):
        return subprocess.run(
            [STHENOCTL, "-s", "https://localhost:%d" % self.port, "-u",
             USER, "-p", PASS] + list(args), capture_output=True, text=True,
            timeout=20, stdin=subprocess.DEVNULL)

    def test_sthenoctl_https(self):
        r = self.sthenoctl("--cafile", TlsCerts.ca[1], "version")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertRegex(r.stdout, r"^\d+\.\d+")
        r = self.sthenoctl("--cafile", TlsCerts.ca[1], "maintail")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("supervisord started", r.stdout)

    def test_sthenoctl_verifies_by_default(self):
        r = self.sthenoctl("version")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("certificate verify failed", r.stderr)
        r = self.sthenoctl("--cafile", TlsCerts.other_ca[1], "version")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("certificate verify failed", r.stderr)

    def test_libssl_mapped_with_tls(self):
        self.assertTrue(maps_libssl(self.d.pid))


class TestTlsConfig(unittest.TestCase):
    """Bad [tls:NAME] config: the daemon refuses to start, saying what."""

    @classmethod
    def setUpClass(cls):
        TlsCerts.make()

    def refused(self, tls, server_tls="main"):
        port = free_port()
        d = sthtest.Sthenod(extra="[inet_http_server]\nport=127.0.0.1:%d\n"
                            "tls=%s\n" % (port, server_tls) + tls)
        self.addCleanup(d.cleanup)
        d.start(wait=False)
        rc = d.wait_exit(timeout=15)
        self.assertNotEqual(rc, 0)
        return d.read_log() + d.stderr_text()

    def test_missing_cert_file(self):
        c = TlsCerts
        out = self.refused("[tls:main]\ncert=/nonexistent/cert.pem\n"
                           "key=%s\n" % c.server[0])
        self.assertIn("[tls:main] cert: cannot read /nonexistent/cert.pem",
                      out)

    def test_key_not_matching_cert(self):
        c = TlsCerts
        out = self.refused("[tls:main]\ncert=%s\nkey=%s\n" %
                           (c.server[1], c.client[0]))
        self.assertIn("[tls:main] key: %s does not match cert %s" %
                      (c.client[0], c.server[1]), out)

    def test_unknown_min_version(self):
        out = self.refused(tls_section("main", TlsCerts.server,
                                       min_version="1.1"))
        self.assertIn("[tls:main] min_version: '1.1' is not a TLS version",
                      out)

    def test_unknown_context(self):
        out = self.refused(tls_section("main", TlsCerts.server),
                           server_tls="other")
        self.assertIn("[inet_http_server] tls: there is no [tls:other]",
                      out)

    def test_no_context_at_all(self):
        out = self.refused("", server_tls="main")
        self.assertIn("there is no [tls:main]", out)


class TestClientCertAuth(unittest.TestCase):
    """tls_client_auth = cert: a client certificate verified against the
    context's client_ca authenticates on the control server (its subject
    CN is the user in the access log); without one, Basic auth as before
    (verify_client = optional) or no handshake at all (verify_client = on,
    the default)."""

    @classmethod
    def setUpClass(cls):
        TlsCerts.make()
        c = TlsCerts
        cls.port = free_port()
        cls.req = free_port()
        cls.log = os.path.join(TlsCerts.dir, "certauth-access.log")
        extra = (
            "[plugin:http]\nping=true\n"
            "[inet_http_server]\nport=127.0.0.1:%d\nusername=%s\n"
            "password=%s\ntls=opt\ntls_client_auth=cert\n"
            "access_log=%s\n"
            "[http_server:req]\nlisten=127.0.0.1:%d\ncontrol=true\n"
            "tls=req\ntls_client_auth=cert\n"
            % (cls.port, USER, PASS, cls.log, cls.req) +
            tls_section("opt", c.server, client_ca=c.ca[1],
                        verify_client="optional") +
            tls_section("req", c.server, client_ca=c.ca[1]))
        cls.d = sthtest.Sthenod(extra=extra)
        cls.d.start_or_cleanup()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def curl(self, port, *args):
        c = TlsCerts
        return curl("--cacert", c.ca[1], "-o", "/dev/null", "-w",
                    "%{http_code}", *args,
                    "https://localhost:%d/stheno/ping" % port)

    def proxy(self, port, cert):
        ctx = ssl.create_default_context(cafile=TlsCerts.ca[1])
        if cert is not None:
            ctx.load_cert_chain(cert[1], cert[0])
        return xmlrpc.client.ServerProxy(
            "https://localhost:%d/RPC2" % port, context=ctx)

    def test_verified_cert_needs_no_password(self):
        c = TlsCerts
        rc, code, err = self.curl(self.port, "--cert", c.client[1],
                                  "--key", c.client[0])
        self.assertEqual((rc, code), (0, b"200"), err)
        state = self.proxy(self.port, c.client).supervisor.getState()
        self.assertEqual(state["statename"], "RUNNING")

    def test_cert_cn_is_the_logged_user(self):
        c = TlsCerts
        rc, code, err = self.curl(self.port, "--cert", c.client[1],
                                  "--key", c.client[0])
        self.assertEqual((rc, code), (0, b"200"), err)
        self.assertTrue(sthtest.wait_for(
            lambda: os.path.exists(self.log) and
            re.search(r"^\S+ - client \[.*GET /stheno/ping",
                      open(self.log).read(), re.M)))

    def test_no_cert_is_401(self):
        rc, code, err = self.curl(self.port)
        self.assertEqual((rc, code), (0, b"401"), err)
        with self.assertRaises(xmlrpc.client.ProtocolError) as e:
            self.proxy(self.port, None).supervisor.getState()
        self.assertEqual(e.exception.errcode, 401)

    def test_basic_auth_still_works_without_cert(self):
        rc, code, err = self.curl(self.port, "-u", "%s:%s" % (USER, PASS))
        self.assertEqual((rc, code), (0, b"200"), err)
        rc, code, err = self.curl(self.port, "-u", USER + ":nope")
        self.assertEqual((rc, code), (0, b"401"), err)

    def test_cert_from_another_ca_refused(self):
        c = TlsCerts
        for port in (self.port, self.req):
            rc, code, err = self.curl(port, "--cert", c.bad_client[1],
                                      "--key", c.bad_client[0])
            self.assertNotEqual(rc, 0, err)
            self.assertNotEqual(code, b"200")
            with self.assertRaises((ssl.SSLError, ConnectionError)):
                self.proxy(port, c.bad_client).supervisor.getState()

    def test_required_cert(self):
        c = TlsCerts
        rc, code, err = self.curl(self.req, "--cert", c.client[1],
                                  "--key", c.client[0])
        self.assertEqual((rc, code), (0, b"200"), err)
        rc, code, err = self.curl(self.req)
        self.assertNotEqual(rc, 0, err)
        self.assertNotEqual(code, b"200")


class TestClientCertAuthConfig(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        TlsCerts.make()

    def refused(self, server, tls=""):
        d = sthtest.Sthenod(extra="[inet_http_server]\nport=127.0.0.1:%d\n"
                            % free_port() + server + tls)
        self.addCleanup(d.cleanup)
        d.start(wait=False)
        self.assertNotEqual(d.wait_exit(timeout=15), 0)
        return d.read_log() + d.stderr_text()

    def test_without_client_ca(self):
        out = self.refused("tls=main\ntls_client_auth=cert\n",
                           tls_section("main", TlsCerts.server))
        self.assertIn("[inet_http_server] tls_client_auth: [tls:main] has "
                      "no client_ca", out)

    def test_without_tls(self):
        out = self.refused("tls_client_auth=cert\n")
        self.assertIn("[inet_http_server] tls_client_auth: needs tls = "
                      "NAME", out)

    def test_unknown_value(self):
        out = self.refused("tls=main\ntls_client_auth=maybe\n",
                           tls_section("main", TlsCerts.server,
                                       client_ca=TlsCerts.ca[1]))
        self.assertIn("[inet_http_server] tls_client_auth: 'maybe'", out)

    def test_unknown_verify_client(self):
        out = self.refused("tls=main\n", tls_section(
            "main", TlsCerts.server, client_ca=TlsCerts.ca[1],
            verify_client="sometimes"))
        self.assertIn("[tls:main] verify_client: 'sometimes'", out)


class TestTlsBudget(unittest.TestCase):
    def test_no_libssl_without_tls(self):
        port = free_port()
        d = sthtest.Sthenod(extra="[inet_http_server]\nport=127.0.0.1:%d\n"
                            "[http_server:pub]\nlisten=127.0.0.1:%d\n" %
                            (port, free_port()))
        self.addCleanup(d.cleanup)
        d.start()
        self.assertFalse(maps_libssl(d.pid))


class TestTlsReload(unittest.TestCase):
    """plugin.reload tls: new connections get the renewed certificate."""

    def test_renewed_certificate(self):
        TlsCerts.make()
        c = TlsCerts
        d = sthtest.Sthenod(extra="")
        self.addCleanup(d.cleanup)
        cert = os.path.join(d.dir, "cert.pem")
        key = os.path.join(d.dir, "key.pem")
        shutil.copy(c.server[1], cert)
        shutil.copy(c.server[0], key)
        port = free_port()
        d.extra = ("[plugin:http]\nping=true\n"
                   "[inet_http_server]\nport=127.0.0.1:%d\ntls=main\n"
                   "[tls:main]\ncert=%s\nkey=%s\n" % (port, cert, key))
        d.write_config()
        d.start()
        ctx = ssl.create_default_context(cafile=c.ca[1])

        def peer_der():
            with socket.create_connection(("127.0.0.1", port),
                                          timeout=10) as s:
                with ctx.wrap_socket(s, server_hostname="localhost") as t:
                    return t.getpeercert(binary_form=True)

        def pem_der(path):
            with open(path) as f:
                return ssl.PEM_cert_to_DER_cert(f.read())
        self.assertEqual(peer_der(), pem_der(c.server[1]))
        import http.client
        old = http.client.HTTPSConnection("localhost", port, timeout=10,
                                          context=ctx)
        self.addCleanup(old.close)
        old.request("GET", "/stheno/ping")
        self.assertEqual(old.getresponse().read(), b"pong\n")
        # a request in flight across the reload: half its head before
        inflight = ctx.wrap_socket(socket.create_connection(
            ("127.0.0.1", port), timeout=10), server_hostname="localhost")
        self.addCleanup(inflight.close)
        inflight.sendall(b"GET /stheno/ping HTTP/1.1\r\nHost: localhost\r\n")
        shutil.copy(c.renewed[1], cert)
        shutil.copy(c.renewed[0], key)
        proxy = xmlrpc.client.ServerProxy(
            "https://localhost:%d/RPC2" % port, context=ctx)
        self.assertTrue(proxy.plugin.reload("tls"))
        self.assertEqual(peer_der(), pem_der(c.renewed[1]))
        # the open ones finish on the old session
        inflight.sendall(b"\r\n")
        got = b""
        while not got.endswith(b"pong\n"):
            b = inflight.recv(4096)
            if not b:
                break
            got += b
        self.assertTrue(got.startswith(b"HTTP/1.1 200 "), got)
        self.assertTrue(got.endswith(b"pong\n"), got)
        self.assertEqual(inflight.getpeercert(binary_form=True),
                         pem_der(c.server[1]))


class TestTlsUpdate(unittest.TestCase):
    """reread + update: a [tls:NAME] added with tls = NAME on a public
    server (a unit) in the same edit turns that server to HTTPS."""

    def test_update_adds_tls(self):
        TlsCerts.make()
        c = TlsCerts
        ctl, pub = free_port(), free_port()
        d = sthtest.Sthenod(extra="[plugin:http]\nping=true\n"
                            "[inet_http_server]\nport=127.0.0.1:%d\n"
                            "[http_server:pub]\nlisten=127.0.0.1:%d\n" %
                            (ctl, pub))
        self.addCleanup(d.cleanup)
        d.start()
        rc, body, err = curl("http://127.0.0.1:%d/stheno/ping" % pub)
        self.assertEqual((rc, body), (0, b"pong\n"), err)
        d.extra += "tls=main\n" + tls_section("main", c.server)
        d.write_config()
        r = subprocess.run([STHENOCTL, "-s", "http://127.0.0.1:%d" % ctl,
                            "-c", d.conf, "update"], capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("error", r.stdout + r.stderr)
        rc, body, err = curl("--cacert", c.ca[1],
                             "https://localhost:%d/stheno/ping" % pub)
        self.assertEqual((rc, body), (0, b"pong\n"), err)
        rc, body, err = curl("http://127.0.0.1:%d/stheno/ping" % ctl)
        self.assertEqual((rc, body), (0, b"pong\n"), err)

    def test_failed_update_keeps_serving(self):
        # tls = NAME without its section: the reload of http fails and the
        # loaded version keeps serving on every socket, the control
        # server's included (its new version had taken that over first)
        ctl, pub = free_port(), free_port()
        d = sthtest.Sthenod(extra="[plugin:http]\nping=true\n"
                            "[inet_http_server]\nport=127.0.0.1:%d\n"
                            "[http_server:pub]\nlisten=127.0.0.1:%d\n" %
                            (ctl, pub))
        self.addCleanup(d.cleanup)
        d.start()
        d.extra += "tls=nowhere\n"
        d.write_config()
        r = subprocess.run([STHENOCTL, "-s", "http://127.0.0.1:%d" % ctl,
                            "-c", d.conf, "update"], capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertIn("there is no [tls:nowhere]", r.stdout + r.stderr)
        for port in (ctl, pub):
            rc, body, err = curl("http://127.0.0.1:%d/stheno/ping" % port)
            self.assertEqual((rc, body), (0, b"pong\n"), err)


class ReusingFTP_TLS(ftplib.FTP_TLS):
    """ftplib's FTP_TLS, but a data connection resumes the control
    connection's TLS session, as lftp, curl and FileZilla do (ftplib never
    does, so vsftpd's require_ssl_reuse refuses it)."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn,
                                            server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


class TestFtps(unittest.TestCase):
    """FTPS (RFC 4217) in the ftp plugin: AUTH TLS, PBSZ 0, PROT P, with
    Python's ftplib, curl and lftp; real users refused in clear; a data
    connection that does not resume the control one's session refused."""

    @classmethod
    def setUpClass(cls):
        TlsCerts.make()
        cls.port = free_port()
        cls.d = sthtest.Sthenod(shared=True)
        try:
            cls.root = os.path.join(cls.d.dir, "root")
            os.makedirs(os.path.join(cls.root, "up"))
            os.chmod(cls.root, 0o755)
            os.chmod(os.path.join(cls.root, "up"), 0o777)
            cls.big = os.urandom(3 * 1024 * 1024)
            for name, data in (("big.bin", cls.big), ("a.txt", b"hello\n")):
                with open(os.path.join(cls.root, name), "wb") as f:
                    f.write(data)
                os.chmod(os.path.join(cls.root, name), 0o644)
            cls.d.extra = ("[plugin:ftp]\nport=127.0.0.1:%d\n"
                           "anonymous=true\nanon_root=%s\nanon_write=true\n"
                           "tls=main\n" % (cls.port, cls.root) +
                           tls_section("main", TlsCerts.server))
            cls.d.write_config()
            cls.d.start()
        except Exception:
            cls.d.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def ftps(self, login=True, prot_p=True, cls=ReusingFTP_TLS):
        ctx = ssl.create_default_context(cafile=TlsCerts.ca[1])
        f = cls(context=ctx, timeout=10)
        self.addCleanup(f.close)
        f.connect("localhost", self.port)
        if login:
            self.assertTrue(f.auth().startswith("234"))
            f.login()
            if prot_p:
                self.assertEqual(f.prot_p(), "200 PROT now Private.")
        return f

    def test_feat(self):
        feat = self.ftps(login=False).sendcmd("FEAT")
        for line in (" AUTH TLS", " PBSZ", " PROT"):
            self.assertIn(line + "\n", feat)

    def test_retr_list_stor_over_tls(self):
        f = self.ftps()
        self.assertEqual(f.sock.version(), "TLSv1.3")
        got = io.BytesIO()
        f.retrbinary("RETR big.bin", got.write)
        self.assertEqual(got.getvalue(), self.big)
        names = []
        f.retrlines("NLST", names.append)
        self.assertIn("a.txt", names)
        data = os.urandom(300000)
        self.assertTrue(f.storbinary("STOR up/u.bin",
                                     io.BytesIO(data)).startswith("226"))
        with open(os.path.join(self.root, "up", "u.bin"), "rb") as g:
            self.assertEqual(g.read(), data)
        self.assertEqual(f.prot_c(), "200 PROT now Clear.")
        got = io.BytesIO()
        f.retrbinary("RETR a.txt", got.write)
        self.assertEqual(got.getvalue(), b"hello\n")

    def test_before_auth(self):
        f = self.ftps(login=False)
        with self.assertRaisesRegex(ftplib.error_perm,
                                    "^530 Non-anonymous sessions must use "
                                    "encryption"):
            f.sendcmd("USER someone")
        for cmd in ("PBSZ 0", "PROT P"):
            with self.assertRaisesRegex(ftplib.error_perm, "^503"):
                f.sendcmd(cmd)
        with self.assertRaisesRegex(ftplib.error_perm, "^504"):
            f.sendcmd("AUTH GSSAPI")
        f.auth()
        with self.assertRaisesRegex(ftplib.error_perm, "^503 PBSZ"):
            f.sendcmd("PROT P")
        with self.assertRaisesRegex(ftplib.error_perm, "^503"):
            f.sendcmd("AUTH TLS")
        # after AUTH TLS, a real user may log in (here: 331, then refused)
        self.assertTrue(f.sendcmd("USER someone").startswith("331"))

    def test_curl_ssl_reqd(self):
        rc, body, err = curl("--ssl-reqd", "--cacert", TlsCerts.ca[1],
                             "ftp://localhost:%d/a.txt" % self.port)
        self.assertEqual((rc, body), (0, b"hello\n"), err)
        rc, body, err = curl("--ssl-reqd", "ftp://localhost:%d/a.txt" %
                             self.port)
        self.assertNotEqual(rc, 0)

    def test_lftp_ssl_force(self):
        if shutil.which("lftp") is None:
            self.skipTest("lftp not installed")
        p = subprocess.run(
            ["lftp", "-u", "anonymous,x", "-e",
             "set ftp:ssl-force true; set ftp:ssl-protect-data true; "
             "set ssl:ca-file %s; cat a.txt; quit" % TlsCerts.ca[1],
             "localhost:%d" % self.port], capture_output=True, timeout=30,
            stdin=subprocess.DEVNULL)
        self.assertEqual((p.returncode, p.stdout), (0, b"hello\n"),
                         p.stderr)

    def test_data_without_session_reuse_refused(self):
        # stock ftplib opens each data connection as a new session
        f = self.ftps(cls=ftplib.FTP_TLS)
        with self.assertRaisesRegex(ftplib.error_perm,
                                    "^522 SSL connection failed: session "
                                    "reuse required"):
            f.retrbinary("RETR a.txt", io.BytesIO().write)
        # the session goes on: the same with PROT C works
        f.prot_c()
        got = io.BytesIO()
        f.retrbinary("RETR a.txt", got.write)
        self.assertEqual(got.getvalue(), b"hello\n")

    def test_tls_on_the_control_channel_only(self):
        # PROT C (the default): the data connection stays clear
        f = self.ftps(prot_p=False)
        got = io.BytesIO()
        f.retrbinary("RETR a.txt", got.write)
        self.assertEqual(got.getvalue(), b"hello\n")


def tearDownModule():
    TlsCerts.remove()


if __name__ == "__main__":
    unittest.main()
