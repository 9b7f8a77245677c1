#!/usr/bin/env python3
"""postfix-mta-sts-resolver's own resolver (what its `mta-sts-query` runs) pointed at the lab.

usage: mta_sts_query.py [--dns IP:PORT] [--https-port PORT] [--ca-file PEM] DOMAIN...
       mta_sts_query.py [--dns ...] [--https-port ...] --ca-file PEM --daemon CONFIG.yml

For each DOMAIN prints one JSON line: {"domain", "result" (VALID, NONE, FETCH_ERROR), "mode",
"mx"}. The resolver code is the package's (STSResolver.resolve); only three lab settings are
injected: its DNS queries go to the lab's knotd (--dns), its HTTPS connections for
mta-sts.DOMAIN go to the lab's policy server port (--https-port; the URL keeps port 443 and
the Host header, as the package builds them), and the lab CA is trusted (--ca-file).

With --daemon, the package's mta-sts-daemon (Postfix's socketmap policy server) runs instead,
with the same three settings, until killed.
"""
import argparse
import asyncio
import json
import socket
import ssl
import sys

try:
    import aiodns
    import aiohttp
    from aiohttp.abc import AbstractResolver
    from postfix_mta_sts_resolver.resolver import STSResolver
except ImportError as e:  # fail loudly: the cross-check must not pass without the real client
    sys.exit(f"mta_sts_query.py: {e}: install postfix-mta-sts-resolver into $LAB/venv")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dns", default="127.0.0.1:5310")
    ap.add_argument("--https-port", type=int, default=4460)
    ap.add_argument("--ca-file", required=True)
    ap.add_argument("--timeout", type=float, default=4)
    ap.add_argument("--daemon", metavar="CONFIG")
    ap.add_argument("domains", nargs="*")
    a = ap.parse_args()
    dns_ip, dns_port = a.dns.rsplit(":", 1)
    dns_port = int(dns_port)

    # 1. DNS: every aiodns resolver the package makes asks the lab server.
    orig_init = aiodns.DNSResolver.__init__

    def lab_init(self, *args, **kwargs):
        kwargs["nameservers"] = [dns_ip]
        kwargs["udp_port"] = dns_port
        kwargs["tcp_port"] = dns_port
        kwargs.pop("loop", None)
        orig_init(self, **kwargs)

    aiodns.DNSResolver.__init__ = lab_init

    # 2. HTTPS: the policy host's address from the lab DNS, the lab port, the lab CA.
    class LabResolver(AbstractResolver):
        async def resolve(self, host, port=0, family=socket.AF_INET):
            r = aiodns.DNSResolver()
            ans = await r.query(host, "A")
            return [{"hostname": host, "host": x.host, "port": a.https_port, "family": socket.AF_INET,
                     "proto": 0, "flags": socket.AI_NUMERICHOST} for x in ans]

        async def close(self):
            pass

    ctx = ssl.create_default_context(cafile=a.ca_file)
    orig_session = aiohttp.ClientSession

    def lab_session(*args, **kwargs):
        kwargs.pop("loop", None)
        kwargs["connector"] = aiohttp.TCPConnector(resolver=LabResolver(), ssl=ctx)
        return orig_session(*args, **kwargs)

    aiohttp.ClientSession = lab_session

    if a.daemon:
        from postfix_mta_sts_resolver import daemon
        sys.argv = ["mta-sts-daemon", "-c", a.daemon, "--disable-uvloop"]
        daemon.main()
        return

    async def run():
        res = STSResolver(loop=asyncio.get_running_loop(), timeout=a.timeout)
        for d in a.domains:
            status, body = await res.resolve(d)
            out = {"domain": d, "result": status.name, "mode": None, "mx": None}
            if body is not None:
                _, pol = body
                out["mode"] = pol.get("mode")
                out["mx"] = pol.get("mx")
            print(json.dumps(out), flush=True)

    asyncio.run(run())


if __name__ == "__main__":
    main()
