#!/usr/bin/env python3
"""Self-test of the peers parsers and name mapping: `python3 benches/peers/test_peers.py`.
Small inline fixtures in each tool's real format (shapes taken from the lab's outputs)."""

import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import parse  # noqa: E402
import report  # noqa: E402
from suites import NameMap, norm_version  # noqa: E402

ECDHE_RSA_AES256_GCM = 0xC030
TLS_AES_128_GCM = 0x1301


# Every fixture file lives here; the directory is removed when the interpreter exits.
SCRATCH = tempfile.TemporaryDirectory(prefix="mxray-peers-test-")


def write(text):
    f = tempfile.NamedTemporaryFile("w", delete=False, suffix=".out", dir=SCRATCH.name)
    f.write(text)
    f.close()
    return f.name


class Versions(unittest.TestCase):
    def test_spellings(self):
        for text, want in [
            ("TLSv1.2", "TLS1.2"), ("TLS 1.2", "TLS1.2"), ("tls1_2", "TLS1.2"), ("tls1", "TLS1.0"),
            ("TLSv1.0", "TLS1.0"), ("tls_1_3_cipher_suites", "TLS1.3"), ("SSLv3", "SSLv3"),
            ("ssl3", "SSLv3"), ("ssl_2_0_cipher_suites", "SSLv2"), ("TLSv1.1", "TLS1.1"),
        ]:
            self.assertEqual(norm_version(text), want, text)
        self.assertIsNone(norm_version("QUIC"))
        self.assertIsNone(norm_version(""))


class Names(unittest.TestCase):
    def test_iana_openssl_and_nmap_spellings(self):
        n = NameMap()
        self.assertEqual(n.lookup("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"), ECDHE_RSA_AES256_GCM)
        self.assertEqual(n.lookup("ECDHE-RSA-AES256-GCM-SHA384"), ECDHE_RSA_AES256_GCM)
        self.assertEqual(n.lookup("TLS_AKE_WITH_AES_128_GCM_SHA256"), TLS_AES_128_GCM)
        self.assertIsNone(n.lookup("TLS_NO_SUCH_SUITE"))


class Parsers(unittest.TestCase):
    def setUp(self):
        self.names = NameMap()

    def test_mxray(self):
        rec = {"tls": {"connections": 3, "suites": [
            {"version": "TLSv1.2", "accepted": [{"id": 0xC030, "name": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}]},
            {"version": "TLSv1.3", "accepted": [{"id": 0x1301, "name": "TLS_AES_128_GCM_SHA256"}]},
        ]}}
        pairs, unknown = parse.mxray(write(json.dumps(rec)), self.names)
        self.assertEqual(pairs, {("TLS1.2", 0xC030), ("TLS1.3", 0x1301)})
        self.assertEqual(unknown, [])

    def test_mxray_enum(self):
        doc = {"versions": ["TLSv1.2"], "pairs": [["TLSv1.2", 49200]],
               "breakdown": {"seeded": 1, "picked": 0, "refused": 1, "order": 0},
               "connections": {"versions": 6, "suites": 1, "failed": 0}}
        path = write(json.dumps(doc))
        self.assertEqual(parse.mxray_enum(path, self.names)[0], {("TLS1.2", 0xC030)})
        self.assertEqual(parse.mxray_enum_breakdown(path),
                         "version probes 6 (1 of their picks reused) + accepted 0 + refusals 1"
                         " + order probes 0")

    def test_sslscan(self):
        xml = """<?xml version="1.0"?><document><ssltest host="127.0.0.1" port="2525">
        <cipher status="preferred" sslversion="TLSv1.2" bits="256" cipher="ECDHE-RSA-AES256-GCM-SHA384" id="0xC030"/>
        <cipher status="accepted" sslversion="TLSv1.0" bits="128" cipher="TLS_RSA_WITH_RC4_128_MD5" id="0x0004"/>
        <cipher status="rejected" sslversion="TLSv1.0" bits="128" cipher="AES128-SHA" id="0x002F"/>
        </ssltest></document>"""
        pairs, _ = parse.sslscan(write(xml), self.names)
        self.assertEqual(pairs, {("TLS1.2", 0xC030), ("TLS1.0", 0x0004)})

    def test_testssl(self):
        items = [
            {"id": "engine_problem", "ip": "/", "port": "443", "severity": "WARN", "finding": "x"},
            {"id": "cipher-tls1_2_xc030", "ip": "127.0.0.1/127.0.0.1", "port": "2525", "severity": "OK",
             "finding": "TLS 1.2   xc030   ECDHE-RSA-AES256-GCM-SHA384 ..."},
            {"id": "cipher-tls1_x2f", "ip": "127.0.0.1/127.0.0.1", "port": "2525", "severity": "OK", "finding": "..."},
            {"id": "cipher_order-tls1_2", "ip": "127.0.0.1/127.0.0.1", "port": "2525", "severity": "OK", "finding": "..."},
        ]
        pairs, _ = parse.testssl(write(json.dumps(items)), self.names)
        self.assertEqual(pairs, {("TLS1.2", 0xC030), ("TLS1.0", 0x002F)})

    def test_sslyze(self):
        doc = {"server_scan_results": [{"scan_result": {
            "tls_1_2_cipher_suites": {"status": "COMPLETED", "result": {"accepted_cipher_suites": [
                {"cipher_suite": {"name": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "openssl_name": "x"}}]}},
            "tls_1_3_cipher_suites": {"status": "COMPLETED", "result": {"accepted_cipher_suites": [
                {"cipher_suite": {"name": "TLS_AES_128_GCM_SHA256"}}, {"cipher_suite": {"name": "TLS_BOGUS"}}]}},
            "ssl_2_0_cipher_suites": {"status": "ERROR", "result": None},
            "certificate_info": {"status": "COMPLETED", "result": {}},
        }}]}
        pairs, unknown = parse.sslyze(write(json.dumps(doc)), self.names)
        self.assertEqual(pairs, {("TLS1.2", 0xC030), ("TLS1.3", 0x1301)})
        self.assertEqual(unknown, ["TLS_BOGUS"])  # reported, not dropped silently

    def test_nmap(self):
        xml = """<?xml version="1.0"?><nmaprun><host><ports><port protocol="tcp" portid="2525">
        <script id="ssl-enum-ciphers" output="..."><table key="TLSv1.2"><table key="ciphers">
        <table><elem key="kex_info">ecdh_x25519</elem><elem key="name">TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384</elem><elem key="strength">A</elem></table>
        </table><elem key="cipher preference">server</elem></table>
        <table key="TLSv1.3"><table key="ciphers"><table><elem key="name">TLS_AKE_WITH_AES_128_GCM_SHA256</elem></table></table></table>
        <elem key="least strength">A</elem></script></port></ports></host></nmaprun>"""
        pairs, _ = parse.nmap(write(xml), self.names)
        self.assertEqual(pairs, {("TLS1.2", 0xC030), ("TLS1.3", 0x1301)})


class Configured(unittest.TestCase):
    def test_expand_respects_versions_and_auth(self):
        n = NameMap()
        pairs = report.expand("ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-SHA:AES128-SHA",
                              ["TLS1.0", "TLS1.2"], {"RSA"}, n)
        # GCM is TLS 1.2 only; the ECDSA suite needs an ECDSA certificate; AES128-SHA works in both.
        self.assertEqual(pairs, {("TLS1.2", 0xC030), ("TLS1.0", 0x002F), ("TLS1.2", 0x002F)})

    def test_agree(self):
        self.assertEqual(report.agree({1, 2}, {1, 2}), "= (2)")
        self.assertEqual(report.agree({1, 3}, {1, 2}), "1/2 -1 +1")
        self.assertEqual(report.agree({1}, None), "n/a")


if __name__ == "__main__":
    unittest.main()
